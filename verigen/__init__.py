"""verigen: verified synthetic training data for code and math."""

from verigen.records import Attempt, Domain, Outcome, Problem, Provenance, Usage, Verdict

__version__ = "0.1.0"

__all__ = [
    "Attempt",
    "Domain",
    "Outcome",
    "Problem",
    "Provenance",
    "Usage",
    "Verdict",
    "__version__",
]
