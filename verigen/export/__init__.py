"""The export stage: verified records from the journal to Hugging Face ``datasets`` on disk.

- ``verified.py``: the per-run dataset every ``verigen generate`` writes (all verified rows).
- ``writer.py``: a curated result (``verigen.curate.curate``) as a training set: ``sft.py``
  (``messages``), ``dpo.py`` (chosen / rejected with the failure reason) or ``rl.py`` (prompt
  plus reference answer or tests), with ``card.py``'s README.md and plots beside it.
- ``hub.py``: one-commit push of such a directory to the Hugging Face Hub.

Columns of each format are documented in ``docs/export.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_progress() -> Iterator[None]:
    """datasets draws progress bars on stderr; a run's own display is the only one wanted."""
    from datasets import utils as hf_utils

    was_disabled = hf_utils.are_progress_bars_disabled()
    hf_utils.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            hf_utils.enable_progress_bars()
