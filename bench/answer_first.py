"""Answer-first synthesis, measured: what the writer's own program adds to the strict policy.

Synthesized problems come with no truth a program can compute, so here the truth is a person's:
every problem a run keeps is graded by hand in ``bench/precision/answer_first_graded.jsonl``
(its statement, the right answer or ``null`` for an ill-posed statement, a note on why). The
comparison is on the very same statements and samples:

1. ``on``: ``verigen generate`` synthesizes problems as ``make demo`` does (its topics, model
   and sampling; ``--per-topic`` of them), under ``strict`` plus ``math.answer_first``: the
   writer writes each statement together with a program printing its answer;
2. ``off``: the same statements imported without answers (their programs dropped) and judged
   by ``strict`` alone. The ``on`` run's replies answer every request both make (the same
   solver samples, the same judges), so only the checks answer-first stopped early cost calls.

Each kept sample's answer is checked against the graded one by verigen's math checker. A kept
problem nobody has graded yet is printed (statement and kept answer) to be graded, and the
table then shows it as ``ungraded``: no precision is claimed for a problem nobody checked.
Both runs resume from their journals; ``--save-replies`` keeps their replies in a reply pack
(``bench/_replies.py``), so a fresh clone re-scores the table without a model.

    .venv/bin/python bench/answer_first.py --per-topic 8       # about 1 h on 2 cores
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._replies import load_pack, pack_path, save_pack
from bench.precision import HERE, math_checker, merge, serving
from verigen.curate.calibration import wilson

ROOT = Path(__file__).resolve().parents[1]
GRADED = HERE / "answer_first_graded.jsonl"
DEMO = ROOT / "configs" / "demo-math.yaml"
PACK_LABEL = "answer-first"


@dataclass
class Row:
    policy: str
    problems: int = 0
    kept_problems: int = 0
    kept: int = 0
    wrong: int = 0
    ungraded: int = 0
    right_problems: int = 0
    ill_posed_kept: int = 0
    calls: int = 0
    seconds: float = 0.0
    wrong_examples: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        judged = self.kept - self.ungraded
        right = judged - self.wrong
        low, high = wilson(right, judged)
        shown = f"{right / judged:.1%} [{low:.1%}, {high:.1%}]" if judged else "n/a"
        return [self.policy, str(self.problems), str(self.kept_problems), str(self.kept),
                str(self.wrong), shown, str(self.right_problems), str(self.ill_posed_kept),
                str(self.ungraded), str(self.calls), f"{self.seconds / 60:.1f} min"]  # fmt: skip


def graded(path: Path) -> dict[str, str | None]:
    """Statement → the right answer (None: ill-posed), from the hand-graded file."""
    if not path.exists():
        return {}
    out: dict[str, str | None] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row.get("statement"), str) or "answer" not in row:
                raise ValueError(f"{path}:{number}: needs 'statement' and 'answer'")
            out[row["statement"]] = row["answer"]
    return out


def config(
    base: Path, run_dir: Path, api_base: str, models: list[str], per_topic: int, on: bool
) -> dict[str, Any]:
    """The base config (``make demo``'s math), its model served by the bench, and the arm's
    settings."""
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data.setdefault("llm", {}).pop("local_model", None)
    arm: dict[str, Any] = {
        "name": f"answer-first-{'on' if on else 'off'}",
        "run_dir": str(run_dir),
        "llm": {"api_base": api_base},
        "problems": {"writer": {"models": models}, "per_topic": per_topic},
        "solver": {"models": models},
        "math": {"answer_first": on},
        "calibration": {"share": 0.0},
        "export": {"formats": []},
    }
    if not on:
        arm["problems"]["source"] = {"path": str(run_dir / "problems.jsonl")}
    return merge(data, arm)


def synthesized(run_dir: Path) -> list[dict[str, Any]]:
    """The ``on`` run's problems, as an import without answers (and without the programs)."""
    from verigen.records import Domain
    from verigen.store import Journal

    with Journal.open_existing(run_dir) as journal:
        return [
            {"id": p.id, "statement": p.statement, "topic": p.topic}
            for p in journal.problems()
            if p.domain is Domain.MATH and p.answer_program
        ]


def run_arm(
    name: str, data: dict[str, Any], replies: Path | None, grades: dict[str, str | None]
) -> tuple[Row, list[tuple[str, str]]]:
    """Generate (resuming), then score every kept sample against the grades; also the kept
    (statement, answer) pairs that have no grade yet."""
    import datasets

    from verigen.api import generate
    from verigen.display import Display

    run_dir = Path(data["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    if replies is not None:
        load_pack(pack_path(replies, PACK_LABEL, "math"), run_dir)
    path = run_dir / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    print(f"==> answer-first {name}", file=sys.stderr)
    cached = _calls(run_dir)
    started = time.monotonic()
    report = generate(path, overrides=[], display=Display())
    row = Row(name, seconds=time.monotonic() - started, calls=_calls(run_dir) - cached)
    row.problems = report["counts"]["problems"]
    kept = [dict(r) for r in datasets.load_from_disk(report["dataset_dir"])]
    return row, _score(row, kept, grades)


def _score(
    row: Row, kept: Sequence[dict[str, Any]], grades: dict[str, str | None]
) -> list[tuple[str, str]]:
    checker = math_checker()
    try:
        ungraded: list[tuple[str, str]] = []
        right_problems, kept_problems, ill = set(), set(), set()
        for r in kept:
            statement, answer = r["problem"], r.get("answer") or r["solution"]
            kept_problems.add(statement)
            row.kept += 1
            if statement not in grades:
                row.ungraded += 1
                ungraded.append((statement, answer))
                continue
            truth = grades[statement]
            correct = truth is not None and checker.check(truth, answer).accepted
            if truth is None:
                ill.add(statement)
            if correct:
                right_problems.add(statement)
            else:
                row.wrong += 1
                row.wrong_examples.append(f"{statement[:90]!r}: kept {answer}, truth {truth}")
        row.kept_problems, row.right_problems = len(kept_problems), len(right_problems)
        row.ill_posed_kept = len(ill)
        return ungraded
    finally:
        checker.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="catalog name")
    parser.add_argument("--per-topic", type=int, default=8, help="problems per demo topic")
    parser.add_argument("--config", default=str(DEMO), help="base run config (make demo's math)")
    parser.add_argument("--graded", default=str(GRADED), help="hand-graded answers (JSONL)")
    parser.add_argument("--out", default="runs/answer-first", help="run directories (resumable)")
    parser.add_argument("--api-base", help="an OpenAI-compatible endpoint instead of a local model")
    parser.add_argument("--replies", default=str(HERE / "replies"), help="reply packs ('': none)")
    parser.add_argument("--save-replies", action="store_true", help="add the runs' replies")
    args = parser.parse_args(argv)
    out, replies = Path(args.out), Path(args.replies) if args.replies else None
    grades, base = graded(Path(args.graded)), Path(args.config)
    with serving([args.model], args.api_base) as (api_base, models):
        on = config(base, out / "on", api_base, models, args.per_topic, on=True)
        on_row, todo = run_arm("on", on, replies, grades)
        off = config(base, out / "off", api_base, models, args.per_topic, on=False)
        source = Path(off["problems"]["source"]["path"])
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("".join(json.dumps(p) + "\n" for p in synthesized(out / "on")))
        _share(out / "on", out / "off")
        off_row, more = run_arm("off", off, replies, grades)
    if args.save_replies and replies is not None:
        save_pack(pack_path(replies, PACK_LABEL, "math"), [out / "on", out / "off"])
    off_row.problems = on_row.problems
    head = ["answer-first", "problems", "kept problems", "kept", "wrong", "precision [95% CI]",
            "≥1 right", "ill-posed kept", "ungraded", "calls sent", "wall"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in (off_row, on_row)]
    print("\n".join(lines))
    for r in (off_row, on_row):
        for example in r.wrong_examples:
            print(f"wrong kept ({r.policy}): {example}")
    for statement, answer in dict.fromkeys(todo + more):
        print(f"ungraded: {json.dumps({'statement': statement, 'kept': answer})}")
    return 0


def _calls(run_dir: Path) -> int:
    """Replies the journal holds (a run's new ones: the difference it makes)."""
    import contextlib
    import sqlite3

    journal = run_dir / "journal.sqlite"
    if not journal.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT count(*) FROM llm_calls").fetchone()[0])


def _share(donor: Path, run_dir: Path) -> None:
    """Every reply of the ``on`` run, for the requests ``off`` makes too."""
    import contextlib
    import sqlite3

    from verigen.store import Journal

    if not (run_dir / "journal.sqlite").exists():
        Journal(run_dir).close()
    with contextlib.closing(sqlite3.connect(run_dir / "journal.sqlite")) as db:
        db.execute("ATTACH DATABASE ? AS donor", (str(donor / "journal.sqlite"),))
        db.execute("INSERT OR IGNORE INTO llm_calls SELECT * FROM donor.llm_calls")
        db.commit()


if __name__ == "__main__":
    sys.exit(main())
