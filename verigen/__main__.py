"""``python -m verigen`` is the ``verigen`` command."""

from verigen.cli import main

main()
