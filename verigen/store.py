"""The journal: one SQLite file in the run directory holding every record as it is produced.

Why SQLite in WAL mode: each write is a small committed transaction, so ``kill -9`` at any moment
loses at most what was in flight and never corrupts what was committed; readers (``verigen
stats`` while a run is going) never block the writer. Ids are content hashes and every insert is
``INSERT OR IGNORE``, so a resumed run cannot store a sample twice.

Calibration problems (known answers mixed into a run to measure its precision,
``verigen.curate.calibration``) are stored like any problem and listed in their own table with
their truth (math: the answer; code: the hidden tests); every read that feeds data or the funnel
(``judged``, ``counts``, ``yields``) leaves them out unless asked for them, so they are never
exported, in one place.

Tables hold the frozen records as JSON beside the few columns queries need. Verdicts are keyed by
(attempt, verifier, verifier version): a verifier fix re-verifies stored attempts without
regenerating them. The LLM response cache lives here too, keyed by the request's content hash
(see ``verigen.llm.cache_key``), which is what makes a rerun cost nothing.

Not for network filesystems (SQLite locking), and one writer process at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from verigen.errors import InputError
from verigen.records import Attempt, Outcome, Problem, Verdict

JOURNAL_NAME = "journal.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS problems (
    id TEXT PRIMARY KEY, round INTEGER NOT NULL, topic TEXT NOT NULL, data TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY, problem_id TEXT NOT NULL, data TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_problem ON attempts (problem_id);
CREATE TABLE IF NOT EXISTS verdicts (
    attempt_id TEXT NOT NULL, verifier TEXT NOT NULL, version TEXT NOT NULL,
    outcome TEXT NOT NULL, reason TEXT NOT NULL, data TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (attempt_id, verifier, version));
CREATE TABLE IF NOT EXISTS llm_calls (
    key TEXT PRIMARY KEY, model TEXT NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost_usd REAL,
    latency_s REAL NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY, stage TEXT NOT NULL, subject TEXT NOT NULL, reason TEXT NOT NULL,
    detail TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS calibration (
    problem_id TEXT PRIMARY KEY, answer TEXT NOT NULL, source TEXT NOT NULL);
"""

_OWN = "NOT IN (SELECT problem_id FROM calibration)"
"""SQL: a problem id that is the run's own, not a calibration problem (``Journal.judged``)."""


class Journal:
    """Records in, records out. Thread-confined: open one per thread or process."""

    def __init__(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.path = run_dir / JOURNAL_NAME
        self._commit_scheduled = False
        self._closed = False
        self._keys: _KeyFilter | None = None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=30000")
            # checkpoints fsync; letting the WAL grow to ~64 MB first keeps them off the hot path
            self._db.execute("PRAGMA wal_autocheckpoint=16384")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable verigen journal ({exc})") from None

    @classmethod
    def open_existing(cls, run_dir: Path) -> Journal:
        if not (run_dir / JOURNAL_NAME).is_file():
            raise InputError(f"{run_dir}: no {JOURNAL_NAME} here; is this a verigen run directory?")
        return cls(run_dir)

    def close(self) -> None:
        self.flush()
        self._closed = True
        self._db.close()

    def flush(self) -> None:
        """Commit what this connection wrote, so other connections (exports) can read it."""
        self._commit_scheduled = False
        if not self._closed and self._db.in_transaction:
            self._db.execute("COMMIT")

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        """Write now; commit at the end of the current event-loop step (or now, without a loop).

        Every record produced in one step of the loop shares one commit: a commit per record
        was most of the journal's cost at hundreds of calls per second. A record is durable a
        step after it exists, before any await can hand control to new work, so ``kill -9``
        still loses only what was in flight.
        """
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
        cursor = self._db.execute(sql, params)
        if not self._commit_scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
            else:
                self._commit_scheduled = True
                loop.call_soon(self.flush)
        return cursor

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- run metadata -----------------------------------------------------------------
    def set_meta(self, key: str, value: Any) -> None:
        self._write(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # -- records ----------------------------------------------------------------------
    def add_problem(self, problem: Problem) -> bool:
        """Store a problem; False when one with the same id was already there (a duplicate).

        A stored problem whose tests differ from this one's is replaced, and the verdicts of
        its attempts dropped: a rerun prepared it otherwise (an imported suite augmented under
        a new ``problems.augment_below``, tests from another test writer), and verdicts that
        judged the old tests must not be reused for the new ones. The attempts and every
        cached reply stay, so judging again costs no LLM call."""
        row = self._db.execute("SELECT data FROM problems WHERE id = ?", (problem.id,)).fetchone()
        if row is None:
            self._write(
                "INSERT INTO problems (id, round, topic, data, created) VALUES (?,?,?,?,?)",
                (
                    problem.id,
                    problem.provenance.round,
                    problem.topic,
                    problem.model_dump_json(),
                    time.time(),
                ),
            )
            return True
        if Problem.model_validate_json(row[0]).tests != problem.tests:
            self._write(
                "UPDATE problems SET data = ? WHERE id = ?", (problem.model_dump_json(), problem.id)
            )
            self._write(
                "DELETE FROM verdicts WHERE attempt_id IN "
                "(SELECT id FROM attempts WHERE problem_id = ?)",
                (problem.id,),
            )
        return False

    def add_attempt(self, attempt: Attempt) -> None:
        self._write(
            "INSERT OR IGNORE INTO attempts (id, problem_id, data, created) VALUES (?,?,?,?)",
            (attempt.id, attempt.problem_id, attempt.model_dump_json(), time.time()),
        )

    def add_verdict(self, attempt_id: str, verdict: Verdict) -> None:
        self._write(
            "INSERT OR REPLACE INTO verdicts VALUES (?,?,?,?,?,?,?)",
            (
                attempt_id,
                verdict.verifier,
                verdict.verifier_version,
                verdict.outcome.value,
                verdict.reason,
                verdict.model_dump_json(),
                time.time(),
            ),
        )

    def add_failure(self, key: str, stage: str, subject: str, reason: str, detail: str) -> None:
        """A stage's failure that is data, not a crash: a parse failure, an exhausted retry."""
        self._write(
            "INSERT OR REPLACE INTO failures VALUES (?,?,?,?,?,?)",
            (key, stage, subject, reason, detail[:4000], time.time()),
        )

    def add_calibration(self, problem_id: str, answer: str, source: str) -> None:
        """Mark a problem as calibration, with its truth (math: the answer; code: the hidden
        tests as their text column): written before the problem is, so no crash can leave one
        that an export would take for the run's own."""
        self._write(
            "INSERT OR IGNORE INTO calibration VALUES (?,?,?)", (problem_id, answer, source)
        )

    def calibration(self) -> dict[str, tuple[str, str]]:
        """Every calibration problem of the journal: id → (truth, source)."""
        rows = self._db.execute("SELECT problem_id, answer, source FROM calibration")
        return {pid: (answer, source) for pid, answer, source in rows}

    def verdicts(self, attempt_ids: list[str], verifier: str, version: str) -> dict[str, Verdict]:
        """Stored verdicts of one verifier version for these attempts, by attempt id."""
        marks = ",".join("?" * len(attempt_ids))
        rows = self._db.execute(
            f"SELECT attempt_id, data FROM verdicts WHERE verifier = ? AND version = ?"
            f" AND attempt_id IN ({marks})",
            (verifier, version, *attempt_ids),
        )
        return {a: Verdict.model_validate_json(data) for a, data in rows}

    def problems(self) -> Iterator[Problem]:
        for (data,) in self._db.execute("SELECT data FROM problems ORDER BY id"):
            yield Problem.model_validate_json(data)

    def attempts(self, problem_id: str) -> list[Attempt]:
        rows = self._db.execute(
            "SELECT data FROM attempts WHERE problem_id = ? ORDER BY id", (problem_id,)
        )
        return [Attempt.model_validate_json(data) for (data,) in rows]

    def verified(self, verifier: str, version: str) -> Iterator[tuple[Problem, Attempt, Verdict]]:
        """Every accepted attempt with its problem, in a stable order (problem id, attempt id)."""
        return self.judged(verifier, version, Outcome.ACCEPTED)

    def judged(
        self,
        verifier: str | None = None,
        version: str | None = None,
        outcome: Outcome | None = None,
        *,
        calibration: bool = False,
    ) -> Iterator[tuple[Problem, Attempt, Verdict]]:
        """Attempts with their problem and verdict, filtered, ordered by (problem id, attempt id).

        With several verdicts for one attempt (verifier versions), each appears once per verdict:
        pass ``verifier`` and ``version`` to see one verifier's view. The run's own problems
        only; ``calibration=True``: the calibration problems only (what the dataset, the
        exports and the funnel read never includes them).
        """
        clauses = [
            (col, value)
            for col, value in (
                ("v.verifier", verifier),
                ("v.version", version),
                ("v.outcome", outcome.value if outcome else None),
            )
            if value is not None
        ]
        where = " AND ".join(f"{col} = ?" for col, _ in clauses) or "1"
        where += f" AND p.id {'IN (SELECT problem_id FROM calibration)' if calibration else _OWN}"
        rows = self._db.execute(
            f"""SELECT p.data, a.data, v.data FROM verdicts v
               JOIN attempts a ON a.id = v.attempt_id JOIN problems p ON p.id = a.problem_id
               WHERE {where} ORDER BY p.id, a.id""",
            [value for _, value in clauses],
        )
        for p, a, v in rows:
            yield (
                Problem.model_validate_json(p),
                Attempt.model_validate_json(a),
                Verdict.model_validate_json(v),
            )

    def verifier_versions(self) -> list[tuple[str, str]]:
        """The (verifier, version) pairs with verdicts here, the most used first."""
        rows = self._db.execute(
            "SELECT verifier, version FROM verdicts GROUP BY 1, 2 ORDER BY COUNT(*) DESC, 2 DESC"
        )
        return [(str(verifier), str(version)) for verifier, version in rows]

    def yields(self, verifier: str, version: str) -> dict[str, dict[str, dict[str, int]]]:
        """Judged attempts and accepted counts per solver model, topic, difficulty and round,
        for one verifier. An infrastructure failure was not judged: it is in neither count, so
        a crashed sandbox does not read as a low yield."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for name, expr in (
            ("model", "json_extract(a.data, '$.provenance.model')"),
            ("topic", "p.topic"),
            ("difficulty", "json_extract(p.data, '$.difficulty')"),
            ("round", "p.round"),
        ):
            rows = self._db.execute(
                f"""SELECT {expr}, COUNT(*), SUM(v.outcome = ?) FROM verdicts v
                   JOIN attempts a ON a.id = v.attempt_id JOIN problems p ON p.id = a.problem_id
                   WHERE v.verifier = ? AND v.version = ? AND v.outcome != ? AND p.id {_OWN}
                   GROUP BY 1 ORDER BY 1""",
                (Outcome.ACCEPTED.value, verifier, version, Outcome.INFRA_ERROR.value),
            )
            out[name] = {str(k): {"attempts": n, "accepted": int(ok or 0)} for k, n, ok in rows}
        return out

    # -- LLM response cache ----------------------------------------------------------------------
    def cached_response(self, key: str) -> dict[str, Any] | None:
        """The stored reply for this request key, if any.

        Most lookups in a fresh run miss; a Bloom filter of the stored keys answers those
        without touching SQLite (the lookup was the largest part of verigen's own per-call CPU).
        """
        if self._keys is None:
            self._keys = _KeyFilter()
            for (stored,) in self._db.execute("SELECT key FROM llm_calls"):
                self._keys.add(stored)
        if key not in self._keys:
            return None
        row = self._db.execute("SELECT response FROM llm_calls WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def add_llm_call(
        self,
        key: str,
        model: str,
        request: dict[str, Any],
        response: dict[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
        latency_s: float,
    ) -> None:
        if self._keys is not None:
            self._keys.add(key)
        self._write(
            "INSERT OR REPLACE INTO llm_calls VALUES (?,?,?,?,?,?,?,?,?)",
            (
                key,
                model,
                json.dumps(request),
                json.dumps(response),
                prompt_tokens,
                completion_tokens,
                cost_usd,
                latency_s,
                time.time(),
            ),
        )

    # -- summaries ----------------------------------------------------------------------
    def counts(self, verifier: str | None = None, version: str | None = None) -> dict[str, Any]:
        """The funnel and spend as plain numbers, for the report and ``verigen stats``.

        Verdicts are one verifier's view when ``verifier`` and ``version`` are given (a journal
        re-judged under new options holds both sets). Rejections (the sample's fault) and
        infrastructure failures (nobody's verdict) are counted apart. Problems, attempts and
        verdicts are the run's own (calibration problems left out); LLM calls, tokens and cost
        are everything the run spent, calibration included.
        """
        one = self._db.execute
        params: tuple[str, ...]
        own = (
            "attempt_id NOT IN (SELECT a.id FROM attempts a"
            " JOIN calibration c ON c.problem_id = a.problem_id)"
        )
        scope, params = own, ()
        if verifier is not None and version is not None:
            scope, params = f"verifier = ? AND version = ? AND {own}", (verifier, version)
        by_outcome: dict[str, int] = dict(
            one(f"SELECT outcome, COUNT(*) FROM verdicts WHERE {scope} GROUP BY 1", params)
        )

        def reasons(outcome: Outcome) -> dict[str, int]:
            sql = (
                f"SELECT reason, COUNT(*) FROM verdicts WHERE {scope} AND outcome = ?"
                " GROUP BY 1 ORDER BY 2 DESC, 1"
            )
            return dict(one(sql, (*params, outcome.value)).fetchall())

        failures = dict(
            one("SELECT stage || ':' || reason, COUNT(*) FROM failures GROUP BY 1").fetchall()
        )
        calls, ptok, ctok, cost, unknown = one(
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens),0), COALESCE(SUM(completion_tokens),0),"
            " COALESCE(SUM(cost_usd),0), SUM(cost_usd IS NULL) FROM llm_calls"
        ).fetchone()
        return {
            "problems": one(f"SELECT COUNT(*) FROM problems WHERE id {_OWN}").fetchone()[0],
            "attempts": one(f"SELECT COUNT(*) FROM attempts WHERE problem_id {_OWN}").fetchone()[0],
            "verdicts": by_outcome,
            "rejection_reasons": reasons(Outcome.REJECTED),
            "infra_reasons": reasons(Outcome.INFRA_ERROR),
            "failures": failures,
            "llm_calls": calls,
            "prompt_tokens": ptok,
            "completion_tokens": ctok,
            "cost_usd": round(cost, 6),
            "calls_unknown_cost": unknown or 0,
        }


class _KeyFilter:
    """A Bloom filter over cache keys: no false negatives, rare false positives (which only
    cost the SQL lookup they would have cost anyway). 8 MiB, ~0.1% false positives at 5 million
    keys, whatever the run's size."""

    _BITS = 1 << 26

    def __init__(self) -> None:
        self._bits = bytearray(self._BITS // 8)

    def _slots(self, key: str) -> list[int]:
        digest = hashlib.blake2b(key.encode(), digest_size=12).digest()
        return [int.from_bytes(digest[i : i + 4], "big") % self._BITS for i in (0, 4, 8)]

    def add(self, key: str) -> None:
        for slot in self._slots(key):
            self._bits[slot >> 3] |= 1 << (slot & 7)

    def __contains__(self, key: str) -> bool:
        return all(self._bits[slot >> 3] & (1 << (slot & 7)) for slot in self._slots(key))
