"""What one problem slot asks for: topic, difficulty, persona and exemplar, rotated by slot.

Diversity comes from rotation, not from luck: consecutive slots of a topic walk through its
difficulties, the taxonomy's personas (settings) and its exemplars, and each slot gets its own
derived seed, so a topic's problems spread across all of them even at temperature 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verigen.config import RoleConfig
from verigen.generate import prompts
from verigen.llm import ChatRequest
from verigen.records import derive_seed


@dataclass(frozen=True)
class TopicView:
    """The parts of a taxonomy topic a prompt needs; free-text topics get generic filler."""

    id: str
    name: str
    description: str
    difficulties: tuple[tuple[str, str], ...]
    exemplars: tuple[str, ...]


_DEFAULT_LEVELS = (
    ("easy", "one or two steps"),
    ("medium", "a few steps, one idea to find"),
    ("hard", "several steps and a non-obvious idea"),
)
_DEFAULT_PERSONAS = ("an everyday situation",)


def free_text_topic(name: str) -> TopicView:
    return TopicView(id=name, name=name, description="", difficulties=_DEFAULT_LEVELS, exemplars=())


@dataclass(frozen=True)
class Slot:
    topic: TopicView
    index: int

    @property
    def key(self) -> str:
        return f"{self.topic.id}#{self.index}"

    @property
    def difficulty(self) -> tuple[str, str]:
        return self.topic.difficulties[self.index % len(self.topic.difficulties)]

    def fields(self, personas: tuple[str, ...], default_exemplar: str) -> dict[str, Any]:
        level, hint = self.difficulty
        personas = personas or _DEFAULT_PERSONAS
        exemplars = self.topic.exemplars or (default_exemplar,)
        return {
            "topic": self.topic.name,
            "description": self.topic.description,
            "difficulty": level,
            "difficulty_hint": hint,
            "persona": personas[(self.index // len(self.topic.difficulties)) % len(personas)],
            "exemplar": exemplars[self.index % len(exemplars)],
            "variation": self.index + 1,
        }

    def request(
        self,
        role: RoleConfig,
        template: str,
        fields: dict[str, Any],
        root_seed: int,
        api_base: str | None,
        response_format: str | None = None,
    ) -> ChatRequest:
        """Writer models rotate with the slot too, so several writers share every topic."""
        return ChatRequest(
            model=role.models[self.index % len(role.models)],
            messages=prompts.load(template).render(**fields),
            temperature=role.temperature,
            top_p=role.top_p,
            max_tokens=role.max_tokens,
            seed=derive_seed(root_seed, "problem", self.topic.id, self.index),
            response_format=response_format,
            api_base=api_base,
        )
