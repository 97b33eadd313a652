"""SFT rows: one verified solution per row, as a chat (``messages``) a trainer reads directly.

The user turn is the problem statement and the assistant turn the verified completion, as the
solver wrote it (with its reasoning and final answer). TRL's ``SFTTrainer`` and most chat
templates read the ``messages`` column as is; every other column is lineage or metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from verigen.curate import CurationResult
from verigen.export.columns import assistant_turn, row, user_turn
from verigen.schema import SFT


def rows(result: CurationResult) -> Iterator[dict[str, Any]]:
    for sample in result.kept:
        yield row(
            SFT,
            sample,
            pass_rate=result.pass_rate(sample.problem.id),
            messages=user_turn(sample) + assistant_turn(sample),
        )
