"""Answer-first synthesis, measured: what the writer's own program adds to the strict policy.

Synthesized problems come with no truth a program can compute, so here the truth is a person's:
every problem a run keeps is graded by hand in ``bench/precision/answer_first_graded.jsonl``
(its statement, the right answer or ``null`` for an ill-posed statement, a note on why). Arms,
each a ``verigen generate`` run on ``make demo``'s math config (its topics, model, sampling and
policy; ``--per-topic`` slots a topic):

1. ``on``: ``math.answer_first`` — the writer writes each statement with a program printing
   its answer, and the agreed answer stands only when the program prints it too;
2. ``off``: the same statements imported without answers or programs, judged by the policy
   alone; the ``on`` run's replies answer every request both make (the same solver samples,
   the same judges), so only the checks answer-first stopped early cost calls;
3. both again under ``precision: off`` (a vote, nothing else), at no model cost: what the
   writer's program catches on its own, among many more keeps;
4. ``plain``: the plain writer (statements only, ``make demo`` as it ships) on the same slots:
   what turning the knob on costs in problems made and kept.

Each kept sample's answer is checked against the graded one by verigen's math checker. A kept
problem nobody has graded yet is printed (statement and kept answer) to be graded, and the
table then shows it as ``ungraded``: no precision is claimed for a problem nobody checked.
Every arm resumes from its journal; ``--save-replies`` keeps the replies in a reply pack
(``bench/_replies.py``), so a fresh clone re-scores the table without a model.

    .venv/bin/python bench/answer_first.py --per-topic 8    # about 1 h on 2 cores (0.5B model)
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

from bench._replies import copy_replies, load_pack, pack_path, rows, save_pack
from bench.precision import HERE, math_checker, merge, models_label, serving
from verigen.curate.calibration import wilson

ROOT = Path(__file__).resolve().parents[1]
GRADED = HERE / "answer_first_graded.jsonl"
DEMO = ROOT / "configs" / "demo-math.yaml"
WRITER_TOKENS = 512
"""The answer-first writer's reply holds a statement and a program: ``make demo``'s 160 tokens
(sized for a statement) cut the JSON short before the program ends."""


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


@dataclass(frozen=True)
class Arm:
    directory: str
    precision: str
    answer_first: bool
    imports: bool = False
    """Judges the first arm's statements, imported without answers or programs."""

    @property
    def label(self) -> str:
        if not (self.answer_first or self.imports):
            return f"{self.precision}, the plain writer"
        return self.precision + " + answer-first" * self.answer_first


def arms(base: dict[str, Any]) -> list[Arm]:
    """The base config's precision policy with and without the writer's program on the same
    statements, then the same without any policy (what the program does on its own: a bare
    vote keeps more, wrong keeps among them), and last the policy with the plain writer, which
    writes statements only, on the same slots: what turning the knob on costs in problems."""
    policy = str(base.get("precision", "strict"))
    out = [Arm("on", policy, True), Arm("off", policy, False, imports=True)]
    if policy != "off":
        out += [Arm("bare-on", "off", True), Arm("bare-off", "off", False, imports=True)]
    return [*out, Arm("plain", policy, False)]


def config(
    base: dict[str, Any], arm: Arm, run_dir: Path, api_base: str, models: list[str], per_topic: int
) -> dict[str, Any]:
    """The base config (``make demo``'s math), its model served by the bench, and the arm's
    settings; only the writer of programs gets more room than the base gives it."""
    data = dict(base)
    data["llm"] = {k: v for k, v in (base.get("llm") or {}).items() if k != "local_model"}
    overlay: dict[str, Any] = {
        "name": f"answer-first-{arm.directory}",
        "precision": arm.precision,
        "run_dir": str(run_dir),
        "llm": {"api_base": api_base},
        "problems": {"writer": {"models": models}, "per_topic": per_topic},
        "solver": {"models": models},
        "math": {"answer_first": arm.answer_first},
        "calibration": {"share": 0.0},
        "export": {"formats": []},
    }
    if arm.answer_first:
        overlay["problems"]["writer"]["max_tokens"] = WRITER_TOKENS
    if arm.imports:
        overlay["problems"]["source"] = {"path": str(run_dir / "problems.jsonl")}
    return merge(data, overlay)


def synthesized(run_dir: Path) -> list[dict[str, Any]]:
    """The first arm's problems, as an import without answers (and without the programs)."""
    from verigen.records import Domain
    from verigen.store import Journal

    with Journal.open_existing(run_dir) as journal:
        return [
            {"id": p.id, "statement": p.statement, "topic": p.topic}
            for p in journal.problems()
            if p.domain is Domain.MATH and p.answer_program
        ]


def run_arm(
    name: str, data: dict[str, Any], pack: Path | None, grades: dict[str, str | None]
) -> tuple[Row, list[tuple[str, str]]]:
    """Generate (resuming), then score every kept sample against the grades; also the kept
    (statement, answer) pairs that have no grade yet."""
    import datasets

    from verigen.api import generate
    from verigen.display import Display

    run_dir = Path(data["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    if pack is not None:
        load_pack(pack, run_dir)
    path = run_dir / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    print(f"==> answer-first {name}", file=sys.stderr)
    cached = rows(run_dir / "journal.sqlite", "llm_calls")
    started = time.monotonic()
    report = generate(path, overrides=[], display=Display())
    row = Row(
        name,
        seconds=time.monotonic() - started,
        calls=rows(run_dir / "journal.sqlite", "llm_calls") - cached,
    )
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
    grades = graded(Path(args.graded))
    base = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    rows: list[Row] = []
    todo: list[tuple[str, str]] = []
    with serving([args.model], args.api_base) as (api_base, models):
        label = f"answer-first-{models_label(models)}"
        pack = pack_path(replies, label, "math") if replies is not None else None
        for arm in arms(base):
            run_dir = out / arm.directory
            data = config(base, arm, run_dir, api_base, models, args.per_topic)
            if arm.directory != "on":
                run_dir.mkdir(parents=True, exist_ok=True)
                copy_replies(out / "on" / "journal.sqlite", run_dir)
            if arm.imports:
                problems = synthesized(out / "on")
                (run_dir / "problems.jsonl").write_text(
                    "".join(json.dumps(p) + "\n" for p in problems)
                )
            row, missing = run_arm(arm.label, data, pack, grades)
            rows.append(row)
            todo += missing
    if args.save_replies and pack is not None:
        save_pack(pack, [out / arm.directory for arm in arms(base)])
    head = ["answer-first", "problems", "kept problems", "kept", "wrong", "precision [95% CI]",
            "≥1 right", "ill-posed kept", "ungraded", "calls sent", "wall"]  # fmt: skip
    topics = len((base.get("problems") or {}).get("topics") or [])
    print(f"{args.per_topic} slots on each of {topics} topics for each arm that writes")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    print("\n".join(lines))
    for r in rows:
        for example in r.wrong_examples:
            print(f"wrong kept ({r.policy}): {example}")
    for statement, answer in dict.fromkeys(todo):
        print(f"ungraded: {json.dumps({'statement': statement, 'kept': answer})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
