"""Prompt templates as files, so they can be read and reviewed as prose and versioned by content.

A template file has a ``### system`` section and a ``### user`` section; ``{{name}}`` fields are
filled in one pass (double braces, because prompts are full of LaTeX's single ones). The version
is a hash of the file's text, so editing a prompt changes the version recorded on every sample it
produces, and no one has to remember to bump it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from verigen.errors import ConfigError


@dataclass(frozen=True)
class Template:
    name: str
    system: str
    user: str
    version: str

    def render(self, **fields: object) -> tuple[tuple[str, str], ...]:
        """The chat messages, as (role, content) pairs ready for ``ChatRequest``."""
        return (
            ("system", self._fill(self.system, fields)),
            ("user", self._fill(self.user, fields)),
        )

    def _fill(self, text: str, fields: dict[str, object]) -> str:
        def value(match: re.Match[str]) -> str:
            if match[1] not in fields:
                raise ConfigError(f"prompt template {self.name!r} needs field {match[1]!r}")
            return str(fields[match[1]])

        return _FIELD.sub(value, text)


_FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@cache
def load(name: str) -> Template:
    try:
        text = (resources.files(__package__) / f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no prompt template named {name!r}") from None
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("### "):
            current = sections.setdefault(line[4:].strip(), [])
        elif current is not None:
            current.append(line)
    if set(sections) != {"system", "user"}:
        raise ConfigError(f"prompt template {name!r} must have exactly '### system' and '### user'")
    return Template(
        name=name,
        system="\n".join(sections["system"]).strip(),
        user="\n".join(sections["user"]).strip(),
        version=hashlib.sha256(text.encode()).hexdigest()[:12],
    )
