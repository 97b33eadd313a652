"""Reply packs: the LLM replies behind a published precision table, kept beside the bench.

Why: a table measured on a CPU takes hours of model time, and a run directory does not travel
with a clone. A pack holds every reply a bench journal got (request, response, token counts),
one gzipped JSON line each, sorted by request key, so it diffs and compresses well and is the
same bytes for the same replies. Loaded into a new journal, it answers exactly the requests it
holds (verigen's cache key: model, messages, sampling, seed, format), and nothing else: a
changed prompt or a new problem is sent to the model as usual. So a fresh clone re-scores the
published samples without a model, a later session widens the bank where the last one stopped,
and the verification itself (votes, checks, sandbox runs) always runs anew.

A pack is data, not trusted blindly: each line's key must be the key of its own request, so a
hand-edited request cannot be answered with another request's reply.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from verigen.llm import ChatRequest, cache_key
from verigen.store import Journal

_COLUMNS = ("key", "model", "request", "response", "prompt_tokens", "completion_tokens",
            "cost_usd", "latency_s")  # fmt: skip
_KEYED = ("model", "messages", "temperature", "top_p", "max_tokens", "seed", "response_format")


class PackError(ValueError):
    """A pack line that is not a reply to its own request."""


def pack_path(root: Path, label: str, variant: str, policy: str = "") -> Path:
    """``root/[POLICY/]MODELS/VARIANT.jsonl.gz``: a policy's pack holds its journal's replies
    only, so its calls column counts what that policy asked, as its journal does."""
    return root / policy / label.replace("/", "_") / f"{variant}.jsonl.gz"


def load_pack(pack: Path, run_dir: Path) -> int:
    """Give ``run_dir``'s journal every reply of ``pack`` it lacks; how many were added."""
    if not pack.exists():
        return 0
    rows = list(_read(pack))
    if not (run_dir / "journal.sqlite").exists():
        Journal(run_dir).close()  # the schema, before the rows
    with contextlib.closing(sqlite3.connect(run_dir / "journal.sqlite")) as db:
        before = db.total_changes
        db.executemany(
            "INSERT OR IGNORE INTO llm_calls VALUES (?,?,?,?,?,?,?,?,0)",
            [
                (*(row[c] for c in _COLUMNS[:2]), json.dumps(row["request"]),
                 json.dumps(row["response"]), *(row[c] for c in _COLUMNS[4:]))
                for row in rows
            ],
        )  # fmt: skip
        db.commit()
        return db.total_changes - before


def copy_replies(donor: Path, run_dir: Path, where: str = "", params: tuple[str, ...] = ()) -> None:
    """Give ``run_dir``'s journal the replies of the ``donor`` journal file it lacks (those
    matching the SQL ``where`` on ``llm_calls``, all by default)."""
    if not (run_dir / "journal.sqlite").exists():
        Journal(run_dir).close()  # the schema, before the rows
    with contextlib.closing(sqlite3.connect(run_dir / "journal.sqlite")) as db:
        db.execute("ATTACH DATABASE ? AS donor", (str(donor),))
        clause = f" WHERE {where}" if where else ""
        db.execute(f"INSERT OR IGNORE INTO llm_calls SELECT * FROM donor.llm_calls{clause}", params)
        db.commit()


def rows(journal: Path, table: str) -> int:
    """How many rows a journal's ``table`` holds (0 for no journal), read-only."""
    if not journal.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def save_pack(pack: Path, run_dirs: Iterable[Path]) -> int:
    """Write ``pack`` as the union of itself and the journals' replies; how many it holds."""
    rows = {row["key"]: row for row in _read(pack)} if pack.exists() else {}
    for run_dir in run_dirs:
        journal = run_dir / "journal.sqlite"
        if not journal.exists():
            continue
        with contextlib.closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
            for values in db.execute(f"SELECT {', '.join(_COLUMNS)} FROM llm_calls"):
                row = dict(zip(_COLUMNS, values, strict=True))
                request = json.loads(row["request"])
                request.pop("api_base", None)  # a local server's port: not part of the key
                row["request"], row["response"] = request, json.loads(row["response"])
                rows.setdefault(row["key"], row)
    pack.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(rows[k], sort_keys=True) + "\n" for k in sorted(rows))
    with open(pack, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode())
    return len(rows)


def _read(pack: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(pack, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            if row.get("key") != _key_of(row.get("request")):
                raise PackError(f"{pack}:{number}: the key is not its request's key")
            yield row


def _key_of(request: Any) -> str | None:
    if not isinstance(request, dict) or not all(k in request for k in _KEYED):
        return None
    messages = tuple((str(role), str(text)) for role, text in request["messages"])
    fields = {k: request[k] for k in _KEYED if k != "messages"}
    return cache_key(ChatRequest(messages=messages, **fields))
