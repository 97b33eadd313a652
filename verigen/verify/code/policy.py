"""The precision policy's steps for code judged by agreement (no reference solution), after its
tests, in order, with the reasons each gives the solutions it takes away: where samples differ,
a large enough majority decides (``CodeOptions.min_share``); then the crash check and the
dispute check ask a judge about the statement. The run's report counts them
(``verify.steps``)."""

from __future__ import annotations

from verigen.verify.steps import Steps

POLICY_STEPS: Steps = (
    ("agreement", frozenset({"unresolved_disagreement"})),
    (
        "crash_check",
        frozenset({"raises_on_covered_input", "covered_input_untested", "crash_check_undecided"}),
    ),
    ("dispute_check", frozenset({"disagrees_with_statement", "dispute_check_undecided"})),
)
