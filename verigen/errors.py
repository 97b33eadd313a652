"""The one exception tree of verigen, translated into a message and an exit code once, in the CLI.

::

    VerigenError                 exit 2 unless a subclass says otherwise
    ├── ConfigError              a bad config file, flag or value (exit 2)
    ├── InputError               a dataset, JSONL or file the user pointed at is unusable (exit 2)
    ├── LLMError                 the endpoint kept failing after bounded retries (exit 1)
    ├── BudgetExceeded           max_cost_usd reached; raised only to stop sending (exit 1)
    ├── ModelError               the local model could not be fetched, verified or served (exit 1)
    ├── InfraError               something verigen relies on is down (exit 1)
    │   └── SandboxError         no working sandbox, or the sandbox itself failed
    ├── RunIncomplete            a run ended, but stopped early or lost requests (exit 1)
    └── Interrupted              Ctrl-C or SIGTERM; what was finished is kept and a rerun
                                 resumes (exit 130, or 143 for SIGTERM: decided by the CLI)

A wrong answer or failing code is never an exception: it is a rejected ``Verdict``.
"""

from __future__ import annotations


class VerigenError(Exception):
    exit_code = 2


class ConfigError(VerigenError):
    exit_code = 2


class InputError(VerigenError):
    exit_code = 2


class LLMError(VerigenError):
    exit_code = 1


class BudgetExceeded(VerigenError):
    exit_code = 1


class ModelError(VerigenError):
    exit_code = 1


class InfraError(VerigenError):
    exit_code = 1


class SandboxError(InfraError):
    pass


class RunIncomplete(VerigenError):
    """Not a crash: the run wrote its dataset and report, but did not do all it was asked."""

    exit_code = 1


class Interrupted(VerigenError):
    exit_code = 130
