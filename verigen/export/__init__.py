"""The export stage: verified records from the journal to Hugging Face ``datasets`` on disk.

- ``verified.py``: the per-run dataset every ``verigen generate`` writes (all verified rows).
- ``writer.py``: a curated result (``verigen.curate.curate``) as a training set: ``sft.py``
  (``messages``), ``dpo.py`` (chosen / rejected with the failure reason) or ``rl.py`` (prompt
  plus reference answer or tests), with ``card.py``'s README.md and plots beside it.
- ``hub.py``: one-commit push of such a directory to the Hugging Face Hub.

Columns of each format are documented in ``docs/export.md``.
"""
