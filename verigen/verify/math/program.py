"""Program-aided checking, the judging half: a model-written program runs in the sandbox, and an
agreed answer stands only when the program's output is equivalent to it.

Why: a majority of natural-language solutions can share one reasoning slip; a program computes
by another route, so agreement between the two is much stronger evidence than either alone.
The program is untrusted model output like any other and only ever runs in the sandbox.

Three outcomes, like every verdict: the program agrees (the answer stands), disagrees (a program
ran, printed an answer, and the checker found it different: the answer is rejected), or it could
not tell (it crashed or printed nothing, the sandbox failed twice, the checker could not
decide). Asking for another program when one could not tell is the caller's loop; when none
could, the answer becomes ``infra_error`` — never kept, never a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from verigen.records import Outcome, Verdict
from verigen.sandbox import Job, Limits, Pool, Result, Status
from verigen.verify.math.verifier import MathVerifier


@dataclass(frozen=True)
class ProgramResult:
    outcome: Outcome
    """ACCEPTED: the program agrees; REJECTED: it disagrees; INFRA_ERROR: it could not tell."""
    reason: str
    """``program_agrees``, ``program_disagrees``, or why the program could not tell."""
    output: str
    tries: int = 1
    program_failed: bool = False
    """INFRA_ERROR because the program itself crashed, ran past its limits or printed nothing
    (not the sandbox's or the checker's failure): a model's throwaway program is asked again,
    the writer's own program (answer-first) condemns its problem."""


NO_PROGRAM = ProgramResult(Outcome.INFRA_ERROR, "program_missing", "")
"""No usable program came back from the model."""


async def check_program(
    pool: Pool, checker: MathVerifier, answer: str, program: str, limits: Limits
) -> ProgramResult:
    """Run ``program``; compare the last line it prints with ``answer``."""
    result = await _execute(pool, program, limits)
    output = result.stdout.strip().splitlines()[-1:] or [""]
    if result.status is not Status.OK or not output[0]:
        return ProgramResult(
            Outcome.INFRA_ERROR,
            f"program_{result.status.value}",
            result.stderr[-500:],
            program_failed=result.status is not Status.SANDBOX_ERROR,
        )
    verdict = await checker.acheck(answer, output[0])
    if verdict.outcome is Outcome.INFRA_ERROR:
        return ProgramResult(Outcome.INFRA_ERROR, f"program_{verdict.reason}", output[0])
    agrees = verdict.accepted
    reason = "program_" + ("agrees" if agrees else "disagrees")
    return ProgramResult(Outcome.ACCEPTED if agrees else Outcome.REJECTED, reason, output[0])


async def _execute(pool: Pool, program: str, limits: Limits) -> Result:
    """A sandbox failure (not the program's) gets one more run."""
    job = Job(files={"main.py": program}, command=["python3", "main.py"], limits=limits)
    result = await pool.arun(job)
    if result.status is Status.SANDBOX_ERROR:
        result = await pool.arun(job)
    return result


def apply_program_result(verdicts: list[Verdict], result: ProgramResult) -> list[Verdict]:
    """Accepted verdicts stay accepted only with the program's agreement (recorded); when no
    program could tell, they become ``infra_error`` (``unverifiable``), never rejections."""
    out = []
    for verdict in verdicts:
        details = {
            **verdict.details,
            "program_check": result.reason,
            "program_output": result.output[:500],
            "program_tries": result.tries,
        }
        update: dict[str, object] = {"details": details}
        if verdict.accepted and result.outcome is not Outcome.ACCEPTED:
            rejected = result.outcome is Outcome.REJECTED
            reason = "program_disagrees" if rejected else "unverifiable"
            update |= {"outcome": result.outcome, "reason": reason}
        out.append(verdict.model_copy(update=update))
    return out
