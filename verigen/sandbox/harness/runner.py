"""The test side of the harness: runs the tests against a solution that lives in another process.

Runs inside the sandbox as a harness job's main process: forked, without an exec, from the fork
server's zygote, which has this module imported (``server.py``); ``main`` is the entry point.
Order matters and is the security argument:

1. mark this process non-dumpable (a same-uid solution can then neither read its memory nor open
   its ``/proc/<pid>/fd``), move the verdict channel (fd 1) to a private fd and point fd 1 at
   stderr (so test and solution prints never reach the channel);
2. fork a *zygote* before reading anything: solution processes are forked from it, so their
   memory never held a test, an expected value or the nonce;
3. read the tests and the host's nonce from stdin (never from a file the solution could read);
4. call the solution through proxies that send arguments and receive return values as plain data
   (``codec``), with a per-call timeout; compare here, with builtins the solution never touched
   (its names never shadow a builtin in the test namespace, except its entry point);
   every ``assert`` statement of the test code is followed by a call that counts it as passed
   (``count_asserts``), so a test reports how many checks it really made — a loop over 100
   random cases is 100 checks, a test that asserts nothing is none;
5. stop at the job's time budget, a little before its wall limit (``BudgetSpent``): tests that
   did not finish are reported ``timeout``, so a slow solution is always reported by the harness
   and a job the fork server has to kill at its wall limit means the harness itself failed;
6. write one JSON frame (nonce + per-test outcomes and checks) to the verdict channel.

One job may judge several solutions (a solution's mutants: ``spec["solutions"]``), each in its
own processes forked from the same zygote, each with its own time budget, each reported in its
own entry of the frame's ``runs``; with ``fail_fast`` a solution's run ends at its first test
that does not pass (for a mutant, one failure is the whole answer). Solutions of one job can see
each other's scratch files: only mutants of one solution share a job, and nothing they write
reaches the tests' process.

The host decides the verdict from that frame alone; a missing, malformed or foreign frame (the
runner was killed, the nonce is wrong) fails the solution. The check counts live in the same
frame, written by this process only: the solution cannot raise them. At most it can lower them
(an answer that makes a test loop fewer times), which leans towards rejecting. ``plan()`` is
shared with the host, which uses it to know which test ids a complete report must contain.
"""

import ast
import builtins
import contextlib
import ctypes
import functools
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
import types
from typing import Any

try:
    from ...pyparse import parse_module  # on the host, ``plan`` runs on verifier threads
    from . import codec, solhost
except ImportError:  # in the sandbox's zygote, which loads codec and solhost first
    from ast import parse as parse_module  # one thread per process in here

    import codec  # type: ignore[no-redef]
    import solhost  # type: ignore[no-redef]

MESSAGE_CHARS = 800


# --- the plan: which test ids a suite contains (host and sandbox both call this) -------------


def plan(suite: dict[str, Any]) -> list[str]:
    """Test ids of a suite: each top-level ``assert``, ``test_*`` function, TestCase method;
    ``check`` for a HumanEval-style suite; ``case:<i>`` for call cases."""
    kind = suite["kind"]
    if kind == "check":
        return ["check"]
    if kind == "call":
        return [f"case:{i}" for i in range(len(suite["cases"]))]
    if kind != "code":
        raise ValueError(f"unknown test suite kind {kind!r}")
    return list(_code_plan(suite["code"]))


@functools.lru_cache(maxsize=256)  # the host decides many jobs of one suite (rows, mutants)
def _code_plan(code: str) -> tuple[str, ...]:
    ids: list[str] = []
    for node in parse_module(code).body:
        if isinstance(node, ast.Assert):
            ids.append(f"assert:{node.lineno}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            ids.append(node.name)
        elif isinstance(node, ast.ClassDef) and _is_testcase(node):
            ids += [
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
            ]
    return tuple(ids)


def _is_testcase(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).endswith("TestCase") for base in node.bases)


# --- the solution process, reached only through a socket ------------------------------------


class SolutionError(Exception):
    """The solution raised, crashed, timed out or answered with something not plain data."""


class CallTimeout(SolutionError):
    pass


def close_fds_except(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def start_zygote() -> socket.socket:
    """Fork the clean process that forks solution processes on request (see module docstring);
    a request is the path of the solution file the new process loads."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.fork() == 0:
        ours.close()
        close_fds_except({theirs.fileno()})
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # the tests arrive on fd 0: not for this process or its children
        os.close(null)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
        try:
            while path := theirs.recv(4096).decode():
                a, b = socket.socketpair()
                pid = os.fork()
                if pid == 0:
                    theirs.close()
                    a.close()
                    close_fds_except({b.fileno()})
                    solhost.child_main(b, path)
                socket.send_fds(theirs, [str(pid).encode()], [a.fileno()])
                a.close()
                b.close()
        finally:
            os._exit(0)
    theirs.close()
    return ours


class Solution:
    """Proxies into a process running the solution at ``path``, restarted after a crash or a
    timeout."""

    def __init__(
        self,
        zygote: socket.socket,
        path: str,
        call_timeout: float,
        budget: "Budget",
        requested: bool = False,
    ) -> None:
        self.zygote, self.path = zygote, path
        self.call_timeout, self.budget = call_timeout, budget
        self.requested = requested
        """Its first process was already asked of the zygote (``main`` does so before it reads
        the tests, so the fork and the load overlap the read)."""
        self.sock: socket.socket | None = None
        self.pid = 0
        self.names: list[str] = []
        self.values: dict[str, Any] = {}
        self.load_error = ""
        self.spent_cpu_s = 0.0
        """CPU time of the solution processes already killed (timeouts, crashes)."""

    def ensure(self) -> None:
        if self.sock is not None:
            return
        if not self.requested:
            self.zygote.sendall(self.path.encode())
        self.requested = False
        msg, fds, _, _ = socket.recv_fds(self.zygote, 64, 1)
        if not fds:
            raise SolutionError("could not start a solution process")
        self.pid = int(msg)
        self.sock = socket.socket(fileno=fds[0])
        hello = self._receive(self.call_timeout)
        if "load_error" in hello:
            err = hello["load_error"]
            self.load_error = f"{err['type']}: {err['message']}"
            self.kill()
            raise SolutionError(f"the solution failed to load: {self.load_error}")
        self.names, self.values = (
            list(hello["ready"]),
            codec.decode({"d": [[k, v] for k, v in hello["values"].items()]}),
        )

    def _receive(self, timeout: float) -> Any:
        assert self.sock is not None
        if not select.select([self.sock], [], [], timeout)[0]:
            self.kill()
            raise CallTimeout(f"the solution did not answer within {timeout:g} s")
        self.sock.settimeout(timeout)
        try:
            msg = codec.recv_msg(self.sock)
        except (OSError, ValueError) as exc:
            self.kill()
            raise SolutionError(f"broken answer from the solution: {exc}") from None
        if msg is None:
            self.kill()
            raise SolutionError("the solution process exited before answering")
        return msg

    def kill(self) -> None:
        if self.pid:
            self.spent_cpu_s += process_cpu_s(self.pid)
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
        if self.sock is not None:
            self.sock.close()
        self.sock, self.pid = None, 0

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            request = {"fn": name, "args": codec.encode(list(args)), "kwargs": codec.encode(kwargs)}
        except TypeError as exc:
            raise SolutionError(f"argument of {name}() is not plain data: {exc}") from None
        self.budget.check()  # test code that swallowed ``BudgetSpent`` stops at its next call
        self.ensure()
        assert self.sock is not None
        codec.send_msg(self.sock, request)
        answer = self._receive(self.call_timeout)
        if "raised" in answer:
            raise _rebuild(answer["raised"])
        try:
            return codec.decode(answer["value"])
        except (KeyError, ValueError, TypeError) as exc:
            raise SolutionError(f"{name}() answered with malformed data: {exc}") from None

    def cpu_s(self) -> float:
        """CPU time every solution process of this job has used so far."""
        return self.spent_cpu_s + (process_cpu_s(self.pid) if self.pid else 0.0)

    def proxy(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, args, kwargs)

        call.__name__ = call.__qualname__ = name
        return call

    def namespace(self) -> dict[str, Any]:
        self.ensure()
        ns: dict[str, Any] = dict(self.values)
        ns.update({name: self.proxy(name) for name in self.names})
        return ns


def process_cpu_s(pid: int) -> float:
    """User and system CPU of ``pid`` and its reaped children, from the kernel (0 if gone).

    Why the host wants it: a test that timed out while its solution computed the whole time is
    the solution's doing; one that timed out while the solution got little CPU (a loaded
    machine) is worth a retry. The fork server cannot see these processes: the zygote is their
    parent."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


NEVER_REBUILT = (StopIteration, StopAsyncIteration)
"""Exceptions that iteration machinery takes for "no more items" rather than an error: raised in
test code from a call inside ``map``, ``filter``, ``zip`` or ``iter(f, sentinel)``, they would
end the iteration quietly (``all(map(...))`` of nothing holds). They reach the tests as a
SolutionError, as Python itself turns a generator's StopIteration into a RuntimeError."""


def _rebuild(raised: dict[str, str]) -> Exception:
    """The solution's exception as this side's builtin of the same name (for tests that expect
    one), else SolutionError; a solution can only make a test see *an* exception this way, and
    never one that iteration swallows (``NEVER_REBUILT``)."""
    kind = getattr(builtins, raised.get("type", ""), None)
    message = f"{raised.get('message', '')}\n{raised.get('traceback', '')}".strip()
    if (
        isinstance(kind, type)
        and issubclass(kind, Exception)
        and not issubclass(kind, NEVER_REBUILT)
        and kind.__module__ == "builtins"
    ):
        return kind(message)
    return SolutionError(f"{raised.get('type')}: {message}")


# --- running suites ---------------------------------------------------------------------------

CHECKS = "__verigen_check_passed__"
"""The name test code calls after each assert; bound in the test namespace after the solution's
names (a solution that rebinds it through a star import can only make counts lower)."""
BUDGET_MARGIN_S = 1.0
"""At most this much (and at most a fifth of the wall limit) is kept between the end of the
budget and the wall limit, to write the frame and exit."""


class BudgetSpent(BaseException):
    """Raised in the test process when the job's time budget runs out; a BaseException, so an
    ``except Exception`` in test code does not swallow it."""


class FirstFailure(BaseException):
    """Raised after a fail-fast run's first test that did not pass: its other tests are not run
    (the host reports them ``missing``)."""


class Budget:
    """The job's time budget: a one-shot timer that raises ``BudgetSpent`` wherever the test
    process is, and a flag for the places that run after an ``except:`` swallowed it."""

    def __init__(self) -> None:
        self.spent = False

    def start(self, wall_s: float | None, elapsed: float, cap_s: float | None = None) -> None:
        """Arm the timer for what is left of ``wall_s`` (none: no budget) after ``elapsed``,
        and at most ``cap_s``."""
        if not wall_s:
            return
        left = wall_s - min(BUDGET_MARGIN_S, wall_s / 5) - elapsed
        if cap_s is not None:
            left = min(left, cap_s)
        signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, max(left, 0.01))

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _expire(self, *_: Any) -> None:
        self.spent = True
        raise BudgetSpent

    def check(self) -> None:
        if self.spent:
            raise BudgetSpent


class Tally:
    """The current suite's results so far, and the checks passed in this process."""

    def __init__(self, budget: Budget, fail_fast: bool = False) -> None:
        self.budget, self.fail_fast = budget, fail_fast
        self.checks = 0
        self.results: list[dict[str, Any]] = []
        self.unittest_counted = False

    def passed_check(self) -> None:
        self.checks += 1

    def timed(self, test_id: str, fn: Any) -> None:
        """Run one test and record its outcome and the checks it passed."""
        t0, before = time.perf_counter(), self.checks
        exc: BaseException | None = None
        try:
            fn()
        except Exception as e:
            exc = e
        self.budget.check()
        outcome, message = _outcome(exc)
        self.add(test_id, outcome, message, time.perf_counter() - t0, self.checks - before)

    def add(self, test_id: str, outcome: str, message: str, time_s: float, checks: int) -> None:
        self.results.append(
            {
                "id": test_id,
                "outcome": outcome,
                "message": message,
                "time_s": time_s,
                "checks": checks if outcome == "passed" else 0,
            }
        )
        if self.fail_fast and outcome != "passed":
            raise FirstFailure

    def fill(self, suite: dict[str, Any], outcome: str, message: str) -> None:
        """Every planned test of ``suite`` without a result yet gets ``outcome``."""
        done = {r["id"] for r in self.results}
        for test_id in plan(suite):
            if test_id not in done:
                self.add(test_id, outcome, message, 0.0, 0)


class _CountAsserts(ast.NodeTransformer):
    """``assert x`` → ``assert x`` then a call counting one passed check (a failed assert raises
    before reaching it). Applied to test code only, never to the solution."""

    def visit_Assert(self, node: ast.Assert) -> list[ast.stmt]:
        count = ast.Expr(ast.Call(ast.Name(CHECKS, ast.Load()), [], []))
        return [node, ast.copy_location(count, node)]


def count_asserts(body: list[ast.stmt]) -> Any:
    """Compiled test code whose asserts count themselves (see ``_CountAsserts``)."""
    module = ast.fix_missing_locations(_CountAsserts().visit(ast.Module(body, [])))
    return compile(module, "<tests>", "exec")


def count_unittest_asserts(tally: Tally) -> None:
    """Each outermost ``TestCase.assert*``/``fail*`` call that returns counts one check (they
    call each other: ``assertEqual`` on lists runs ``assertListEqual``, one check, not three).
    Done once per test process, at its first TestCase test (most suites have none)."""
    import unittest

    if tally.unittest_counted:
        return
    tally.unittest_counted = True
    depth = [0]

    def counted(method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            try:
                value = method(*args, **kwargs)
            finally:
                depth[0] -= 1
            if depth[0] == 0:
                tally.passed_check()
            return value

        return wrapper

    for name in dir(unittest.TestCase):
        method = getattr(unittest.TestCase, name)
        if name.startswith(("assert", "fail")) and name != "failureException" and callable(method):
            setattr(unittest.TestCase, name, counted(method))


def _outcome(exc: BaseException | None) -> tuple[str, str]:
    if exc is None:
        return "passed", ""
    if isinstance(exc, CallTimeout):
        return "timeout", str(exc)[:MESSAGE_CHARS]
    if isinstance(exc, AssertionError):
        return "failed", (str(exc) or "assertion failed")[:MESSAGE_CHARS]
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-2:])
    return "error", tail[-MESSAGE_CHARS:]


def _exposed(names: dict[str, Any], suite: dict[str, Any]) -> dict[str, Any]:
    """The solution's names that test code may use unqualified: all but those that would shadow
    a builtin (a solution defining ``abs`` must not decide ``assert abs(candidate(x) - y) <
    1e-6``), the entry point excepted. ``solution.abs`` still reaches it: that is explicit."""
    entry_point = suite.get("entry_point") or ""
    return {k: v for k, v in names.items() if k == entry_point or not hasattr(builtins, k)}


def _module_for(solution: Solution, suite: dict[str, Any]) -> types.ModuleType:
    """``import solution`` in test code: every name; a star import: the exposed ones only."""
    module = types.ModuleType("solution")
    names = solution.namespace()
    module.__dict__.update(names)
    module.__dict__["__all__"] = [k for k in _exposed(names, suite) if not k.startswith("_")]
    return module


def _namespace(solution: Solution, suite: dict[str, Any], tally: Tally) -> dict[str, Any]:
    """The test code's globals: the solution's exposed names as proxies, then the counter."""
    exposed = _exposed(solution.namespace(), suite)
    return {"__name__": "__tests__", **exposed, CHECKS: tally.passed_check}


def run_code(suite: dict[str, Any], solution: Solution, tally: Tally) -> None:
    """Top-level statements in order (asserts are tests), then ``test_*`` functions and
    TestCase methods, all in one namespace that holds the solution's names as proxies."""
    ns = _namespace(solution, suite, tally)
    sys.modules[suite.get("module", "solution")] = _module_for(solution, suite)
    for node in parse_module(suite["code"]).body:
        code = count_asserts([node])
        if isinstance(node, ast.Assert):
            tally.timed(f"assert:{node.lineno}", lambda c=code: exec(c, ns))
            continue
        try:
            exec(code, ns)
        except Exception as exc:
            tally.fill(suite, "error", f"setup failed: {_outcome(exc)[1]}")
            return
    for test_id in plan(suite):
        if test_id.startswith("assert:"):
            continue
        if "." in test_id:
            cls_name, method = test_id.split(".", 1)
            _run_testcase(tally, test_id, ns[cls_name], method)
        else:
            tally.timed(test_id, ns[test_id])


def _run_testcase(tally: Tally, test_id: str, cls: Any, method: str) -> None:
    import unittest

    result = unittest.TestResult()
    t0, before = time.perf_counter(), tally.checks
    count_unittest_asserts(tally)
    cls(method).run(result)
    tally.budget.check()  # unittest records any exception, ours included, as an error
    problems = [("failed", e) for _, e in result.failures]
    problems += [("error", e) for _, e in result.errors]
    outcome, message = problems[0] if problems else ("passed", "")
    if not problems and (result.skipped or result.testsRun != 1):
        outcome, message = "error", "test was skipped or did not run"
    elapsed, checks = time.perf_counter() - t0, tally.checks - before
    tally.add(test_id, outcome, message[-MESSAGE_CHARS:], elapsed, checks)


def run_check(suite: dict[str, Any], solution: Solution, tally: Tally) -> None:
    ns = _namespace(solution, suite, tally)

    def check() -> None:
        exec(count_asserts(parse_module(suite["code"]).body), ns)
        ns["check"](solution.proxy(suite["entry_point"]))

    tally.timed("check", check)


def run_call(suite: dict[str, Any], solution: Solution, tally: Tally) -> None:
    for i, case in enumerate(suite["cases"]):

        def one(case: dict[str, Any] = case) -> None:
            got = solution.call(
                suite["entry_point"],
                tuple(codec.decode(case["args"])),
                codec.decode(case.get("kwargs", {"d": []})),
            )
            expected = codec.decode(case["expected"])
            if not (type(got) is type(expected) and got == expected):
                raise AssertionError(f"expected {expected!r}, got {got!r}"[:MESSAGE_CHARS])
            tally.passed_check()

        tally.timed(f"case:{i}", one)


SUITES = {"code": run_code, "check": run_check, "call": run_call}


def run_suites(
    suites: list[dict[str, Any]], solution: Solution, tally: Tally
) -> list[list[dict[str, Any]]]:
    """Every suite's results, in the order sent; when the budget runs out, what did not finish
    is ``timeout`` (the solution, or tests waiting on it, took the time)."""
    results: list[list[dict[str, Any]]] = [[] for _ in suites]
    try:
        try:
            for sink, suite in zip(results, suites, strict=True):
                tally.results = sink
                try:
                    SUITES[suite["kind"]](suite, solution, tally)
                except Exception as exc:
                    tally.fill(suite, "error", _outcome(exc)[1])
        except FirstFailure:
            pass
        tally.budget.stop()
    except BudgetSpent:
        tally.fail_fast = False
        for sink, suite in zip(results, suites, strict=True):
            tally.results = sink
            tally.fill(suite, "timeout", "not finished within the job's time budget")
    return results


def main(argv: list[str], wall_s: float | None = None) -> None:
    """Run the suites read from stdin against each solution file named in ``argv`` (see
    above), within ``wall_s`` less a margin (the job's wall limit, from the fork server), each
    within the spec's ``solution_wall_s`` (default: the whole job's)."""
    started = time.monotonic()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
    channel = os.dup(1)
    os.dup2(2, 1)
    zygote = start_zygote()
    zygote.sendall(argv[0].encode())  # the first solution forks and loads while we read
    spec = json.loads(sys.stdin.buffer.read())
    each_s = spec.get("solution_wall_s")
    runs = []
    for number, path in enumerate(argv, start=1):
        budget = Budget()
        cap = None if each_s is None else each_s - min(BUDGET_MARGIN_S, each_s / 5)
        budget.start(wall_s, time.monotonic() - started, cap)
        solution = Solution(zygote, path, float(spec["call_timeout"]), budget, number == 1)
        results = run_suites(spec["suites"], solution, Tally(budget, bool(spec.get("fail_fast"))))
        runs.append(
            {
                "results": results,
                "load_error": solution.load_error,
                "solution_cpu_s": solution.cpu_s(),
            }
        )
        if number < len(argv):  # the last one dies with the job (the fork server kills all)
            solution.kill()
    frame = json.dumps({"nonce": spec["nonce"], "runs": runs}).encode()
    while frame:
        frame = frame[os.write(channel, frame) :]
