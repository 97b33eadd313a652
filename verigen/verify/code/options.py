"""The knobs of the code verifier, in one frozen, picklable record.

Each field says which way it leans: towards accepting wrong code (a false accept puts a bug in a
training set) or towards rejecting right code (a false reject only costs yield). The defaults lean
towards rejecting, except where the issue's anchors chose otherwise (AceCoder's minimum of
surviving tests, EvalPlus's time-limit factor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from verigen.errors import ConfigError

BackendName = Literal["auto", "docker", "bwrap"]


@dataclass(frozen=True)
class CodeOptions:
    """How solutions are run, which tests are trusted, and when a suite is too weak."""

    backend: BackendName = "auto"
    """Sandbox backend; ``auto`` is docker when an engine answers, else bubblewrap."""

    timeout_s: float = 10.0
    """Wall limit of one solution's whole test run (one sandbox job)."""

    memory_mb: int = 512
    """Memory cap of one job (all its processes together)."""

    min_tests: int = 3
    """Checks (asserts executed and passed, counted by the harness) the trusted tests must make;
    fewer and the solution is rejected ``too_few_trusted_tests`` (one or two asserts verify
    little; a loop of 100 asserted cases is 100). A ``trusted_suite`` needs only one."""

    time_floor_s: float = 1.0
    """Lowest per-test time limit: slow-but-correct code on a loaded machine must not time out."""

    time_factor: float = 4.0
    """Per-test limit = max(floor, factor × the anchor's slowest passing test) (EvalPlus uses 4);
    without an anchor the per-test limit is the whole ``timeout_s``."""

    max_dropped_fraction: float = 0.5
    """Without a reference, the consensus may drop at most this share of the tests. Above it the
    consensus is not trusted to overrule the test writer and every test is kept (leans to
    rejecting: the solutions are then judged on all tests)."""

    min_consensus: int = 2
    """Solutions that must agree before their agreement may drop a test; one solution alone is
    no evidence against a test."""

    min_share: float = 0.5
    """Without a reference, the share of the candidates' weight (their samples) a value must
    hold, as a strict majority too, to decide an input: to make a test and to reject who
    disagrees. Below it the input is unresolved and nobody is kept. 0.5 is a plain majority;
    a 2-to-1 majority is how a misreading two samples share outvotes the one right program
    (``brackets_balanced``, the 0.5B model). A majority raising still only sets the input
    aside (outside the contract; the crash check asks about it)."""

    mutants: int = 8
    """Mutants of the accepted solution run against the trusted tests; 0 turns mutation off."""

    min_mutation_score: float = 0.5
    """Share of mutants the tests must kill; below it the solutions are rejected ``weak_tests``
    ("a suite that lets most mutants survive")."""

    differential: bool = True
    """Run Hypothesis-generated inputs through every surviving candidate (and the reference)."""

    examples: int = 60
    """Hypothesis examples per problem, all run in one sandbox job."""

    enumerate_up_to: int = 512
    """Every input up to the largest size that fits this many runs too, smallest first
    (``small_scope``): one ``int`` is all of [-100, 100], a ``list[int]`` every list of size
    (length plus magnitudes) up to 6, a ``str`` every string up to 4 characters long over the
    tests' 4 most frequent characters; random draws miss the few inputs where a plausible
    program is wrong. 0 turns it off."""

    seed: int = 0
    """Hypothesis seed, recorded in the verdict: the same seed regenerates the same inputs."""

    shrink_runs: int = 40
    """Extra sandbox jobs Hypothesis may spend shrinking one disagreeing input."""

    probe_lone_program: bool = False
    """Run the small and drawn inputs through a lone surviving program too (one sandbox job),
    for the inputs it raises on (``details.differential.raised``), which the pipeline's crash
    check reads. Off by default: without that reader a lone program's differential run tells
    nothing, and ``verigen verify`` on one solution per problem would pay a job per row."""

    max_new_tests: int = 3
    """Disagreeing inputs kept as new tests (the shrunk one first); past it, one more for each
    losing candidate that none of them catches."""

    float_rel_tol: float = 1e-9
    """Relative tolerance for floats in JSON cases, stdin/stdout tokens and differential outputs
    (summation order changes the last bits); 0 compares floats exactly."""

    retries: int = 3
    """Retries of a job that hit a sandbox error, with exponential backoff; then ``infra_error``."""

    retry_backoff_s: float = 1.0
    """First backoff; doubled on each retry (1, 2, 4 s: long enough for an engine restart)."""

    def __post_init__(self) -> None:
        if not 0 < self.timeout_s <= 600:
            raise ConfigError(f"timeout_s must be in (0, 600], got {self.timeout_s}")
        if self.memory_mb < 32 or self.min_tests < 1 or self.min_consensus < 1:
            raise ConfigError("memory_mb >= 32, min_tests >= 1 and min_consensus >= 1 required")
        if not (0 < self.time_floor_s <= self.timeout_s and self.time_factor >= 1):
            raise ConfigError("need 0 < time_floor_s <= timeout_s and time_factor >= 1")
        if not 0.5 <= self.min_share <= 1:
            raise ConfigError(f"min_share must be in [0.5, 1], got {self.min_share}")
        if not (0 <= self.max_dropped_fraction <= 1 and 0 <= self.min_mutation_score <= 1):
            raise ConfigError("max_dropped_fraction and min_mutation_score must be in [0, 1]")
        counts = ("mutants", "examples", "enumerate_up_to", "shrink_runs", "max_new_tests")
        if min(getattr(self, name) for name in counts) < 0:
            raise ConfigError(f"{', '.join(counts)} must be >= 0")
        if self.retries < 0 or self.retry_backoff_s < 0 or self.float_rel_tol < 0:
            raise ConfigError("retries, retry_backoff_s and float_rel_tol must be >= 0")
