"""Imported by the math workers' fork server (``WorkerPool``'s preload): sympy and a warmed-up
checker then live in that one process, and every worker — the first ones, and each replacement
of a worker killed at its time limit — starts as a fork of it in milliseconds instead of
importing sympy anew (a second or more of CPU per worker on a small machine)."""

from verigen.verify.math.judge import warm_up

warm_up()
