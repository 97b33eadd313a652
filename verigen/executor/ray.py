"""The Ray executor: one long-lived actor per node, each owning that node's verifiers.

Why actors and not tasks: a verifier's warm state (math worker processes with sympy imported, a
sandbox pool with its zygote) takes seconds to build and milliseconds to use, so it must outlive
a call. One actor per alive node, pinned there (``NodeAffinitySchedulingStrategy``) and sized to
the node's CPUs, spreads work over every node; work goes in batches (a problem with all its
attempts, or 16 rows of a shard of a dataset: ``ray_rows.py``), so Ray's per-call cost (about
a millisecond) is paid per batch, not per sample; each actor has at most ``per_cpu`` batches per
CPU in flight, so the driver holds only what is being verified however large the input.

Faults: when a node dies its actor's batches fail with an actor error; they are sent again to
the surviving actors (at most ``retries`` times), and a batch that keeps failing is returned
as ``infra_error`` verdicts — never as wrong answers, never lost, never verified twice into the
output (the driver keeps exactly one result per batch).

Only ``--executor ray`` imports this module; ``ray`` is the optional ``verigen[ray]`` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import ray
from ray.exceptions import ActorUnavailableError, RayActorError, RayError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from verigen.errors import InfraError
from verigen.executor import VerifyJob, VerifySettings
from verigen.records import Domain, Outcome, Verdict
from verigen.verify.math.program import ProgramResult


def connect(address: str | None) -> bool:
    """Join the cluster at ``address`` (``auto``: the one this machine belongs to; None: a new
    single-machine Ray). True when this call started Ray (so ``close`` should stop it)."""
    if ray.is_initialized():
        return False
    # Ray Data would start a usage-reporting actor on the cluster (a process, 1.5 CPU-s) for its
    # telemetry; verigen sends none, as with litellm's. The user's own setting wins.
    os.environ.setdefault("RAY_DATA_USAGE_DISABLED", "1")
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise InfraError(f"cannot reach the Ray cluster at {address or 'local'}: {exc}") from None
    return True


class _Host:
    """The actor: builds its object on its node, then runs its methods (sync ones on a thread,
    so one slow batch does not hold up the actor's other calls)."""

    def __init__(self, factory: Callable[[int], Any], cpus: int) -> None:
        self._obj = factory(cpus)
        start = getattr(self._obj, "start", None)  # a batch verifier opens its pool meanwhile
        if start is not None:
            start()

    async def call(self, method: str, *args: Any) -> Any:
        fn = getattr(self._obj, method)
        if inspect.iscoroutinefunction(fn):
            return await fn(*args)
        return await asyncio.to_thread(fn, *args)

    def close(self) -> None:
        close = getattr(self._obj, "close", None)
        if close is not None:
            close()


class NodePool:
    """``factory(cpus)`` built once on every alive node, called with bounded retries."""

    def __init__(
        self, factory: Callable[[int], Any], *, per_cpu: int = 2, retries: int = 3
    ) -> None:
        self._factory = factory
        self._per_cpu = per_cpu
        self._retries = retries
        self._actors: dict[str, Any] = {}
        self._cpus: dict[str, int] = {}
        self._load: dict[str, int] = {}
        self._free: asyncio.Condition | None = None
        self.refresh()
        if not self._actors:
            raise InfraError("the Ray cluster has no alive node with a CPU to verify on")

    @property
    def nodes(self) -> int:
        return len(self._actors)

    @property
    def slots(self) -> int:
        """Calls the pool runs at once: ``per_cpu`` per CPU of every alive node."""
        return self._per_cpu * sum(self._cpus.values())

    def refresh(self) -> None:
        """An actor on every alive node with CPUs that has none; forget those of dead nodes."""
        alive = {
            n["NodeID"]: int(n["Resources"].get("CPU", 0))
            for n in ray.nodes()  # type: ignore[no-untyped-call]
            if n["Alive"] and n["Resources"].get("CPU", 0) >= 1
        }
        for node in set(self._actors) - set(alive):
            self._forget(node)
        host = ray.remote(_Host)
        for node, cpus in alive.items():
            if node not in self._actors:
                strategy = NodeAffinitySchedulingStrategy(node, soft=False)
                self._actors[node] = host.options(
                    scheduling_strategy=strategy,
                    num_cpus=0,
                    max_concurrency=2 * self._per_cpu * cpus,
                ).remote(self._factory, cpus)
                self._cpus[node], self._load[node] = cpus, 0

    async def call(self, method: str, *args: Any) -> Any:
        """The result of ``method(*args)`` on some node; ``InfraError`` after ``retries``
        failed tries (each on the least-loaded surviving node)."""
        last: Exception | None = None
        for _ in range(self._retries + 1):
            node = await self._acquire()
            try:
                return await self._actors[node].call.remote(method, *args)
            except (RayActorError, ActorUnavailableError) as exc:  # the node or actor is gone
                last = exc
                self._forget(node)
                self.refresh()
            except RayError as exc:  # the call itself failed there: try another node
                last = exc
            finally:
                await self._release(node)
        raise InfraError(
            f"verification failed on the Ray cluster {self._retries + 1} times: {last}"
        )

    async def _acquire(self) -> str:
        free = self._condition()
        async with free:
            while True:
                if not self._actors:
                    raise InfraError("no alive Ray node left to verify on")
                node = min(self._load, key=lambda n: self._load[n] / self._cpus[n])
                if self._load[node] < self._per_cpu * self._cpus[node]:
                    self._load[node] += 1
                    return node
                await free.wait()

    async def _release(self, node: str) -> None:
        free = self._condition()
        async with free:
            if node in self._load:
                self._load[node] -= 1
            free.notify_all()

    def _condition(self) -> asyncio.Condition:
        if self._free is None:
            self._free = asyncio.Condition()
        return self._free

    def _forget(self, node: str) -> None:
        actor = self._actors.pop(node, None)
        self._cpus.pop(node, None)
        self._load.pop(node, None)
        if actor is not None:
            ray.kill(actor, no_restart=True)

    def close(self) -> None:
        for node in list(self._actors):
            actor = self._actors[node]
            with contextlib.suppress(RayError, TimeoutError):
                ray.get(actor.close.remote(), timeout=30)
            self._forget(node)


def _local_executor(settings: VerifySettings, cpus: int) -> Any:
    from verigen.executor.local import LocalExecutor

    return LocalExecutor(replace(settings, math_workers=cpus, sandbox_workers=cpus))


class RayExecutor:
    """The ``Executor`` over a Ray cluster: jobs in batches of at most ``batch_size``
    problems (the pipeline sends one problem at a time: each is a batch of its attempts)."""

    def __init__(self, settings: VerifySettings, address: str | None, batch_size: int = 8) -> None:
        self.settings = settings
        self.batch_size = batch_size
        self._started = connect(address)
        self._pool = NodePool(functools.partial(_local_executor, settings))
        self.slots = self._pool.slots

    async def verify(self, jobs: Sequence[VerifyJob]) -> list[list[Verdict]]:
        batches = [jobs[i : i + self.batch_size] for i in range(0, len(jobs), self.batch_size)]
        done = await asyncio.gather(*(self._batch(list(b)) for b in batches))
        return [verdicts for batch in done for verdicts in batch]

    async def _batch(self, jobs: list[VerifyJob]) -> list[list[Verdict]]:
        try:
            result: list[list[Verdict]] = await self._pool.call("verify", jobs)
        except InfraError as exc:
            return [
                [infra_verdict(job.problem.domain, str(exc)) for _ in job.attempts] for job in jobs
            ]
        return result

    async def check_program(self, answer: str, program: str) -> ProgramResult:
        try:
            result: ProgramResult = await self._pool.call("check_program", answer, program)
        except InfraError as exc:
            return ProgramResult(Outcome.INFRA_ERROR, "program_executor_error", str(exc)[-500:])
        return result

    def describe(self) -> dict[str, Any]:
        return {"kind": "ray", "nodes": self._pool.nodes, "slots": self.slots}

    def close(self) -> None:
        self._pool.close()
        if self._started:
            ray.shutdown()


def infra_verdict(domain: Domain, error: str) -> Verdict:
    if domain is Domain.CODE:
        from verigen.verify.code import VERIFIER_VERSION as version
    else:
        from verigen.verify.math import VERIFIER_VERSION as version
    return Verdict(
        outcome=Outcome.INFRA_ERROR,
        reason="executor_error",
        details={"error": error[-500:]},
        verifier=domain.value,
        verifier_version=version,
    )
