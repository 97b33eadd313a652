"""What one problem slot asks the writer for, rendered into a request.

The taxonomy decides what a slot is (``Taxonomy.slot``: difficulty cycles fastest, personas
move on every few slots); this module turns that into prompt fields and a request with a seed
derived from the slot. Free-text topics from a config become a one-off taxonomy, so both paths
share one rotation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from verigen.config import RoleConfig
from verigen.generate import prompts
from verigen.generate.taxonomy import (
    CodeExemplar,
    CodeTaxonomy,
    Difficulties,
    MathExemplar,
    MathTaxonomy,
    Taxonomy,
)
from verigen.generate.taxonomy import Slot as TaxonomySlot
from verigen.llm import ChatRequest
from verigen.records import Domain, derive_seed

_LEVELS = Difficulties(
    easy="one or two steps with small numbers",
    medium="a few steps, one idea to find",
    hard="several steps and a non-obvious idea",
)
_MATH_EXEMPLAR = MathExemplar(
    problem="A shop sells pens at 3 dollars each. How much do 7 pens cost?", answer="21"
)
_CODE_EXEMPLAR = CodeExemplar(
    problem="Count the vowels (a, e, i, o, u) in s. Example: count_vowels('hello') == 2.",
    entry_point="count_vowels",
    signature="def count_vowels(s: str) -> int:",
    solution="def count_vowels(s: str) -> int:\n    return sum(c in 'aeiou' for c in s)\n",
    tests=({"args": ["hello"], "expected": 2},),  # type: ignore[arg-type]
)


def free_text_taxonomy(domain: Domain, names: list[str]) -> Taxonomy:
    """Topics given as plain names, with generic difficulty levels and one generic exemplar."""
    topics = [
        {
            "id": f"topic-{i}",
            "name": name,
            "description": name,
            "difficulties": _LEVELS,
            "exemplars": [_CODE_EXEMPLAR if domain is Domain.CODE else _MATH_EXEMPLAR],
        }
        for i, name in enumerate(names)
    ]
    cls = CodeTaxonomy if domain is Domain.CODE else MathTaxonomy
    return cls.model_validate(
        {"name": "config-topics", "domain": domain, "version": 1, "topics": topics}
    )


@dataclass(frozen=True)
class Slot:
    spec: TaxonomySlot
    index: int

    @property
    def key(self) -> str:
        return f"{self.spec.topic.id}#{self.index}"

    @property
    def difficulty(self) -> str:
        return self.spec.difficulty

    def fields(self) -> dict[str, Any]:
        topic = self.spec.topic
        exemplar = topic.exemplars[self.index % len(topic.exemplars)]
        return {
            "topic": topic.name,
            "description": topic.description,
            "difficulty": self.spec.difficulty,
            "difficulty_hint": topic.difficulties.describe(self.spec.difficulty),
            "persona": self.spec.persona or "an everyday situation",
            "exemplar": _render(exemplar),
            "variation": self.index + 1,
        }

    def request(
        self,
        role: RoleConfig,
        template: str,
        fields: dict[str, Any],
        root_seed: int,
        round_: int,
        api_base: str | None,
        response_format: str | None = None,
    ) -> ChatRequest:
        """Writer models rotate with the slot too, so several writers share every topic.

        The round is part of the seed: a new round asks for new problems instead of replaying
        the cache of the last one.
        """
        return ChatRequest(
            model=role.models[self.index % len(role.models)],
            messages=prompts.load(template).render(**fields),
            temperature=role.temperature,
            top_p=role.top_p,
            max_tokens=role.max_tokens,
            seed=derive_seed(root_seed, round_, template, self.spec.topic.id, self.index),
            response_format=response_format,
            api_base=api_base,
        )


def slots(taxonomy: Taxonomy, topic_ids: list[str] | None, per_topic: int) -> Iterator[Slot]:
    for topic in taxonomy.select(topic_ids):
        for index in range(per_topic):
            yield Slot(taxonomy.slot(topic, index), index)


def _render(exemplar: MathExemplar | CodeExemplar) -> str:
    if isinstance(exemplar, CodeExemplar):
        return json.dumps(
            {
                "problem": exemplar.problem,
                "entry_point": exemplar.entry_point,
                "signature": exemplar.signature,
            }
        )
    return exemplar.problem
