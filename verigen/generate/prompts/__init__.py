"""Prompt templates as files, so they can be read and reviewed as prose and versioned by content.

A template file has a ``### system`` section and a ``### user`` section; ``{name}`` fields are
filled with ``str.format``. The template's version is a hash of its text, so editing a prompt
changes the version recorded on every sample it produces, and no one has to remember to bump it.
"""

from __future__ import annotations

import hashlib
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
        try:
            return (("system", self.system.format(**fields)), ("user", self.user.format(**fields)))
        except KeyError as exc:
            raise ConfigError(f"prompt template {self.name!r} needs field {exc}") from None


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
