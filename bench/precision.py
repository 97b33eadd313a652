"""Kept-set precision: how much of what verigen keeps is actually right (issue 13).

The truth lives in ``bench/precision/``: templated math problems whose exact answers sympy
computes from each instance's parameters, ill-posed statements mixed among them (one in seven),
and original code problems with a reference solution and hidden tests. The pipeline sees only the
statements, imported through verigen's own import path (``problems.source``): math without
answers; code with statement, signature and entry point (``code-none``), or with three of its
hidden tests as the given suite (``code-weak``). After ``verigen generate``, every kept sample
(``run_dir/dataset``) is judged against the hidden truth: math by verigen's math checker (a kept
sample of an ill-posed problem is wrong), code by running all hidden tests in verigen's sandbox.

Per policy, model set and variant it prints problems, kept samples, wrong kept samples,
precision with its 95% Wilson interval, problems yielding at least one correct kept sample, and
the run's cost (LLM calls, tokens, wall time). Per model set and variant, a ``naive`` row keeps
the samples of the run that drew the most as a pipeline without a policy would: every boxed
answer (math), every solution passing its problem's own tests — the given suite, else the test
writer's — none dropped (code): the yield no policy can
exceed on those samples, and the precision the policies start from. A policy is any run-config
overlay: a file in ``bench/precision/policies/`` (``--policy unanimous``), a YAML path, or inline
(``--policy 'strict:math.min_share=1.0;math.min_votes=3'``), so new settings plug in without
changing the bench. Run directories are kept under ``--out`` and a rerun resumes from their
journals (no LLM call is sent twice); the reply packs under ``bench/precision/replies/``
(``--save-replies``, ``bench/_replies.py``) carry the replies to a new clone; a model set
(``A+B``) also takes each model's own pack, since it asks every model what that model's run
asked (the same problems, samples and seeds). ``--judge MODEL`` serves one more model for
policies naming ``"{judge}"`` (``policies/judge.yaml``: the code checks judged by it).

    .venv/bin/python bench/precision.py                  # 0.5B, default policy, 20 math + 10 code
    .venv/bin/python bench/precision.py --all            # the whole bank: hours on a CPU
    .venv/bin/python bench/precision.py --model qwen2.5-coder-1.5b --policy default \\
        --policy unanimous --variant math --json
    .venv/bin/python bench/precision.py --model qwen2.5-coder-0.5b+qwen2.5-coder-1.5b  # both

A ``--limit`` past the bank's 284 math problems draws further rounds of new instances, the first
round unchanged. ``--shard K/N`` measures every N-th problem from the K-th: shards run side by
side (each with its own ``--out``), their ``--save-replies`` merge into one pack, and the whole
bench then re-scores from it without a model call.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sympy
import yaml

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._replies import copy_replies, load_pack, pack_path, rows, save_pack
from verigen.curate.calibration import wilson
from verigen.curate.code_calibration import HiddenSuite, hidden_checker, right, run_hidden
from verigen.generate import code as code_gen
from verigen.generate import math as math_gen
from verigen.generate import prompts

HERE = Path(__file__).resolve().parent / "precision"
VARIANTS = ("math", "code-none", "code-weak")
WEAK_TESTS = 3
"""Hidden tests the ``code-weak`` variant gives the pipeline (the first ones: ordinary cases)."""
ILL_EVERY = 7
"""Every seventh math problem is ill-posed."""
MAX_ROUNDS = 8
"""Rounds of the math bank a ``--limit`` may draw (one round: 284 problems)."""


# ---------------------------------------------------------------- the truth: math


@dataclass(frozen=True)
class MathItem:
    id: str
    family: str
    statement: str
    answer: str | None
    """LaTeX of the exact answer sympy computed; None for an ill-posed statement."""
    exact: str = ""
    """The same answer as sympy prints it (``29/33``, ``16*pi``): for the truth's own tests."""
    why: str = ""
    """Ill-posed only: ``missing``, ``underdetermined`` or ``undefined``."""


def math_bank(
    seed: int = 0, per_family: int = 24, ill_each: int = 2, rounds: int = 1
) -> list[MathItem]:
    """Well-posed problems round-robin over the families, every ``ILL_EVERY``-th one ill-posed;
    deterministic from ``seed``. Ids are neutral (``m007``): nothing in them says which is which.

    Each further round draws new instances (from ``seed + round``) that repeat no earlier
    statement and appends them, numbered on: a bank grown past one round keeps every id and
    statement before it, so the reply packs measured on it still answer those problems.
    """
    spec = yaml.safe_load((HERE / "math.yaml").read_text(encoding="utf-8"))
    seen: set[str] = set()
    ordered: list[tuple[str, str, str | None, str, str]] = []
    for round_ in range(rounds):
        ordered += _round(spec, seed + round_, per_family, ill_each, seen)
    return [MathItem(f"m{n:03d}", *item) for n, item in enumerate(ordered)]


def _round(
    spec: dict[str, Any], seed: int, per_family: int, ill_each: int, seen: set[str]
) -> list[tuple[str, str, str | None, str, str]]:
    families = {
        family: _instances(family, templates, per_family, seed, seen, with_answer=True)
        for family, templates in spec["families"].items()
    }
    ill = _instances("ill-posed", spec["ill_posed"], ill_each * len(spec["ill_posed"]), seed,
                     seen, with_answer=False)  # fmt: skip
    well = [
        x for rank in range(per_family) for xs in families.values() for x in xs[rank : rank + 1]
    ]
    ordered: list[tuple[str, str, str | None, str, str]] = []
    while well or ill:
        if ill and (len(ordered) % ILL_EVERY == ILL_EVERY - 1 or not well):
            ordered.append(ill.pop(0))
        else:
            ordered.append(well.pop(0))
    return ordered


def _instances(
    family: str,
    templates: list[dict[str, Any]],
    count: int,
    seed: int,
    seen: set[str],
    *,
    with_answer: bool,
) -> list[tuple[str, str, str | None, str, str]]:
    """``count`` distinct instances, templates in turn (one with no parameters gives one)."""
    rng = random.Random(f"{seed}:{family}")
    out: list[tuple[str, str, str | None, str, str]] = []
    exhausted: set[int] = set()
    turn = 0
    while len(out) < count and len(exhausted) < len(templates):
        index = turn % len(templates)
        turn += 1
        if index in exhausted:
            continue
        for _ in range(50):
            text, value = instantiate(templates[index], rng, with_answer=with_answer)
            if text not in seen:
                seen.add(text)
                answer = None if value is None else sympy.latex(value)
                why = templates[index].get("why", "")
                out.append((family, text, answer, "" if value is None else str(value), why))
                break
        else:
            exhausted.add(index)
    return out


def instantiate(
    template: dict[str, Any], rng: random.Random, *, with_answer: bool = True
) -> tuple[str, Any]:
    """One instance of a template: (statement, the exact answer sympy computed, or None)."""
    for _ in range(500):
        values: dict[str, Any] = {}
        for name, spec in (template.get("params") or {}).items():
            pick = rng.choice(spec["from"]) if isinstance(spec, dict) else rng.randint(*spec)
            values[name] = sympy.Integer(pick)
        for name, expr in (template.get("let") or {}).items():
            values[name] = sympy.sympify(expr, locals=values)
        if "require" in template and not bool(sympy.sympify(template["require"], locals=values)):
            continue
        text = template["text"].format(**{k: _shown(v) for k, v in values.items()})
        if not with_answer:
            return text, None
        answer = sympy.simplify(sympy.sympify(template["answer"], locals=values))
        if not answer.is_number or answer.free_symbols:
            raise ValueError(f"template {template['text']!r}: answer {answer} is not a number")
        return text, answer
    raise ValueError(f"template {template['text']!r}: no parameters meet {template['require']!r}")


def _shown(value: Any) -> str:
    """A parameter as the statement shows it: integers plainly, fractions as p/q."""
    if getattr(value, "is_Rational", False) and not value.is_Integer:
        return f"{value.p}/{value.q}"
    return str(value)


# ---------------------------------------------------------------- the truth: code


@dataclass(frozen=True)
class CodeItem:
    id: str
    statement: str
    entry_point: str
    signature: str
    reference: str
    tests: list[dict[str, Any]]
    """Hidden call cases ``{"args", "kwargs", "expected"}``; the first ``WEAK_TESTS`` are the
    weak suite."""


def code_bank() -> list[CodeItem]:
    spec = yaml.safe_load((HERE / "code.yaml").read_text(encoding="utf-8"))
    return [
        CodeItem(
            id=f"c{n:02d}",
            statement=p["statement"].strip(),
            entry_point=p["entry_point"],
            signature=p["signature"],
            reference=p["reference"],
            tests=[{"args": args, "kwargs": {}, "expected": want} for args, want in p["tests"]],
        )
        for n, p in enumerate(spec["problems"])
    ]


def import_rows(variant: str, items: Sequence[MathItem | CodeItem]) -> list[dict[str, Any]]:
    """What the pipeline is given: statements only, never an answer or a hidden test."""
    rows: list[dict[str, Any]] = []
    for item in items:
        row: dict[str, Any] = {"id": item.id, "statement": item.statement}
        if isinstance(item, CodeItem):
            row |= {"entry_point": item.entry_point, "signature": item.signature}
            if variant == "code-weak":
                row["tests"] = json.dumps(item.tests[:WEAK_TESTS])
        rows.append(row)
    return rows


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scored:
    """One kept sample judged against the truth: ``correct`` None when judging failed."""

    problem: str
    model: str
    correct: bool | None
    kept: str
    note: str = ""


def item_id(row: dict[str, Any]) -> str:
    """The bank id a dataset row came from (``imported_from`` is ``PATH#ID``)."""
    return str(row["imported_from"]).rpartition("#")[2]


def of_bank(row_id: str, statement: str, truth: dict[str, Any]) -> bool:
    """A journal's problem is this bank's item only with the item's id *and* statement: a
    journal keeps what an earlier run imported under that id (past this run's ``--limit``, or
    from a template since rewritten), and that is judged by another truth."""
    item = truth.get(row_id)
    return item is not None and item.statement == statement


def score_math(
    rows: Sequence[dict[str, Any]], truth: dict[str, MathItem], checker: Any
) -> list[Scored]:
    """Each kept answer (the dataset's ``answer``, else the solution text) against sympy's."""
    scored: list[Scored | None] = []
    pairs: list[tuple[str, str]] = []
    for row in rows:
        item = truth[item_id(row)]
        kept = row.get("answer") or row["solution"]
        if item.answer is None:
            scored.append(Scored(item.id, row["model"], False, kept, f"ill-posed ({item.why})"))
        else:
            scored.append(None)
            pairs.append((item.answer, kept))
    verdicts = iter(checker.check_many(pairs) if pairs else [])
    out: list[Scored] = []
    for row, done in zip(rows, scored, strict=True):
        if done is not None:
            out.append(done)
            continue
        verdict, item = next(verdicts), truth[item_id(row)]
        correct = None if verdict.outcome.value == "infra_error" else verdict.accepted
        kept = row.get("answer") or row["solution"]
        out.append(Scored(item.id, row["model"], correct, kept, f"truth {item.answer}"))
    return out


def score_code(
    rows: Sequence[dict[str, Any]], truth: dict[str, CodeItem], verifier: Any
) -> list[Scored]:
    """Each kept solution on all hidden tests in the sandbox, anchored on the reference, as a
    run's code calibration judges (``verigen.curate.code_calibration``): no test dropped by
    agreement, no differential testing or mutants: the truth is the tests."""
    from verigen.generate.structured import Unusable, extract_code

    items: list[tuple[str, HiddenSuite, str | None]] = []
    for row in rows:
        item = truth[item_id(row)]
        try:
            code: str | None = extract_code(row["solution"], item.entry_point)
        except Unusable:
            code = None
        suite = HiddenSuite(item.tests, item.entry_point, item.signature, item.reference)
        items.append((item.id, suite, code))
    out: list[Scored] = []
    for row, (pid, _, code), verdict in zip(rows, items, run_hidden(verifier, items), strict=True):
        correct = right(verdict)
        passed = f"{verdict.details.get('tests_passed')}/{verdict.details.get('tests_total')}"
        note = verdict.reason if correct is None else f"hidden tests {passed}"
        out.append(Scored(pid, row["model"], correct, code or row["solution"], note))
    return out


def naive_rows(run_dir: Path, truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Every sample the run drew (not only the kept ones), as dataset-shaped rows: what a
    pipeline without a precision policy would keep. A code row carries the tests a naive
    pipeline has for its problem: the given suite, else the test writer's."""
    from verigen.records import Domain
    from verigen.store import Journal
    from verigen.verify.math import extract_answer

    journal = Journal.open_existing(run_dir)
    try:
        rows = []
        for problem in journal.problems():
            source = problem.provenance.imported_from or ""
            if not of_bank(item_id({"imported_from": source}), problem.statement, truth):
                continue  # a calibration problem, or not one of this run's items
            for attempt in journal.attempts(problem.id):
                # math: the checker extracts from the whole text, as in the run; a sample
                # without a final answer is not kept, even naively
                if problem.domain is Domain.MATH:
                    answered = extract_answer(attempt.completion) is not None
                else:
                    answered = bool(attempt.extracted)
                if answered:
                    rows.append(
                        {
                            "imported_from": source,
                            "model": attempt.provenance.model or "",
                            "solution": attempt.completion,
                            "own_tests": _as_imported(problem.tests),
                        }
                    )
        return rows
    finally:
        journal.close()


def _as_imported(tests: Any) -> Any:
    """The tests a naive pipeline judges by: a problem imported with a suite, that suite alone
    (the test writer's additions are a policy: ``problems.augment_below``); one imported
    without, the test writer's. Without this the floor moved with the policy whose journal
    it was read from (51 kept with the given suite, 4 with the augmented one)."""
    from verigen.records import CaseTests

    if isinstance(tests, CaseTests) and tests.given:
        return CaseTests(cases=tests.cases[: tests.given], given=tests.given)
    return tests


def passing_own_tests(
    rows: Sequence[dict[str, Any]], truth: dict[str, CodeItem], checker: Any
) -> list[dict[str, Any]]:
    """The code rows whose solution passes every test its problem had in the run, taken as
    they are (``hidden_checker``: none dropped by agreement): what a naive pipeline keeps."""
    from verigen.generate.structured import Unusable, extract_code

    items: list[tuple[str, HiddenSuite, str | None]] = []
    owners = []
    for row in rows:
        entry = truth[item_id(row)].entry_point
        try:
            code = extract_code(row["solution"], entry)
        except Unusable:
            continue
        if row["own_tests"] is not None:
            items.append((item_id(row), HiddenSuite(row["own_tests"], entry), code))
            owners.append(row)
    verdicts = run_hidden(checker, items) if items else []
    return [row for row, v in zip(owners, verdicts, strict=True) if right(v)]


def math_checker() -> Any:
    from verigen.verify.math import MathOptions, MathVerifier

    return MathVerifier(MathOptions(), workers=2)


def code_checker(backend: str = "auto") -> Any:
    from verigen.verify.code import CodeOptions

    return hidden_checker(CodeOptions(backend=backend))  # type: ignore[arg-type]


# ---------------------------------------------------------------- runs


@dataclass(frozen=True)
class Policy:
    name: str
    overlay: dict[str, Any]


def load_policy(spec: str) -> Policy:
    """``NAME`` (``bench/precision/policies/NAME.yaml``), a YAML path, or
    ``LABEL:key=value;key=value`` (``--set`` syntax)."""
    label, sep, body = spec.partition(":")
    if sep and "=" in body:
        overlay: dict[str, Any] = {}
        for item in filter(None, (s.strip() for s in body.split(";"))):
            key, _, raw = item.partition("=")
            _set(overlay, key.strip(), yaml.safe_load(raw) if raw.strip() else raw)
        return Policy(label, overlay)
    path = Path(spec) if spec.endswith((".yaml", ".yml")) else HERE / "policies" / f"{spec}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (HERE / "policies").glob("*.yaml"))
        raise SystemExit(f"--policy {spec}: no file {path} (known: {', '.join(known)})")
    return Policy(path.stem, yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` over ``base``, section by section (a non-mapping value replaces)."""
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _expand(node: Any, models: list[str], judge: str | None = None) -> Any:
    """``"{solver}"`` in a list becomes the solver models; alone, the first of them.
    ``"{judge}"`` becomes the ``--judge`` model (a policy naming it needs one)."""
    if isinstance(node, dict):
        return {k: _expand(v, models, judge) for k, v in node.items()}
    if isinstance(node, list):
        return [
            m for v in node for m in (models if v == "{solver}" else [_expand(v, models, judge)])
        ]
    if node == "{judge}":
        if judge is None:
            raise SystemExit('a policy names "{judge}": pass --judge MODEL')
        return judge
    return models[0] if node == "{solver}" else node


def run_config(
    variant: str,
    policy: Policy,
    models: list[str],
    api_base: str,
    run_dir: Path,
    source: Path,
    samples: int | None,
    judge: str | None = None,
) -> dict[str, Any]:
    """Base config, then the policy, then what the bench fixes (``--set`` is applied later)."""
    domain = "math" if variant == "math" else "code"
    data = yaml.safe_load((HERE / f"base-{domain}.yaml").read_text(encoding="utf-8")) or {}
    data = merge(data, policy.overlay)
    fixed: dict[str, Any] = {
        "name": f"precision-{variant}",
        "run_dir": str(run_dir),
        "llm": {"api_base": api_base},
        "problems": {"domain": domain, "source": {"path": str(source)}},
        "solver": {"models": models} | ({"samples": samples} if samples else {}),
    }
    return dict(_expand(merge(data, fixed), models, judge))


@dataclass
class Result:
    policy: str
    models: str
    variant: str
    problems: int = 0
    kept: int = 0
    wrong: int = 0
    unscored: int = 0
    problems_kept: int = 0
    problems_correct: int = 0
    ill_posed: int = 0
    ill_posed_kept: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    status: str = "ok"
    precision: float | None = None
    interval: tuple[float, float] = (0.0, 1.0)
    samples: list[Scored] = field(default_factory=list)

    def tally(self, scored: list[Scored], bank: Sequence[MathItem | CodeItem]) -> None:
        self.samples = scored
        judged = [s for s in scored if s.correct is not None]
        self.kept, self.unscored = len(scored), len(scored) - len(judged)
        self.wrong = sum(1 for s in judged if not s.correct)
        right = len(judged) - self.wrong
        self.precision = right / len(judged) if judged else None
        self.interval = wilson(right, len(judged))
        self.problems_kept = len({s.problem for s in scored})
        self.problems_correct = len({s.problem for s in scored if s.correct})
        ill = {i.id for i in bank if isinstance(i, MathItem) and i.answer is None}
        self.ill_posed = len(ill)
        self.ill_posed_kept = len({s.problem for s in scored} & ill)


def models_label(models: Sequence[str]) -> str:
    return "+".join(m.removeprefix("openai/") for m in models)


def bank_of(variant: str, args: argparse.Namespace) -> Sequence[MathItem | CodeItem]:
    """The problems this invocation measures: the first ones, then every ``--shard`` K/N-th.

    A shard asks exactly what the whole bench asks of its problems (a problem's requests do not
    depend on its neighbours), so shards run side by side, each with its own ``--out``, and
    their ``--save-replies`` merge into one pack that the whole bench then re-scores."""
    index, count = args.shard
    if variant == "math":
        return _math_problems(args)[index::count]
    return code_bank()[: None if args.all else args.code_limit or args.limit][index::count]


def _math_problems(args: argparse.Namespace) -> list[MathItem]:
    """The first ``--limit`` problems, drawing further rounds of the bank while one is short."""
    for rounds in range(1, MAX_ROUNDS + 1):
        bank = [
            x for x in math_bank(args.seed, rounds=rounds)
            if not args.family or x.family in args.family
        ]  # fmt: skip
        if args.all or len(bank) >= args.limit:
            break
    return bank[: None if args.all else args.limit]


def run_dir_of(args: argparse.Namespace, policy: str, label: str, variant: str) -> Path:
    return Path(args.out) / policy / label.replace("/", "_") / variant


def _by_samples(results: list[Result], args: argparse.Namespace) -> dict[tuple[str, str], Result]:
    """Per model set and variant, the run whose journal drew the most samples: a policy can
    drop a problem before it is solved (a test writer's reply that never parsed), and the
    floor must not move with the policy it is read from."""
    best: dict[tuple[str, str], tuple[int, Result]] = {}
    for run in results:
        if run.status.startswith("error"):
            continue
        journal = run_dir_of(args, run.policy, run.models, run.variant) / "journal.sqlite"
        drawn = _attempts(journal)
        key = (run.models, run.variant)
        if key not in best or drawn > best[key][0]:
            best[key] = (drawn, run)
    return {key: run for key, (_, run) in best.items()}


def naive_floor(run: Result, args: argparse.Namespace, checkers: dict[str, Any]) -> Result:
    """What a pipeline without a precision policy keeps from ``run``'s samples: every boxed
    answer (math), every solution passing its problem's own tests (code). Its yield is the
    most any policy can reach on these samples, its precision the floor the policies raise."""
    bank = bank_of(run.variant, args)
    truth = {i.id: i for i in bank}
    rows = naive_rows(run_dir_of(args, run.policy, run.models, run.variant), truth)
    floor = Result("naive", run.models, run.variant, problems=len(bank))
    if run.variant == "math":
        checker = checkers.setdefault("math", math_checker())
        floor.tally(score_math(rows, truth, checker), bank)  # type: ignore[arg-type]
        return floor
    checker = checkers.setdefault("code", code_checker(args.backend))
    code_truth: dict[str, CodeItem] = truth  # type: ignore[assignment]
    kept = passing_own_tests(rows, code_truth, checker)
    floor.tally(score_code(kept, code_truth, checker), bank)
    return floor


def run_one(
    variant: str,
    policy: Policy,
    models: list[str],
    api_base: str,
    args: argparse.Namespace,
    checkers: dict[str, Any],
    judge: str | None = None,
) -> Result:
    label = models_label(models)
    result = Result(policy.name, label, variant)
    bank = bank_of(variant, args)
    run_dir = run_dir_of(args, policy.name, label, variant)
    run_dir.mkdir(parents=True, exist_ok=True)
    if args.replies:  # a model set's own pack, then each model's: their samples are its own
        for part in dict.fromkeys([label, *label.split("+")]):
            load_pack(pack_path(Path(args.replies), part, variant, policy.name), run_dir)
    if args.share_cache:
        _share_cache(run_dir, Path(args.out), label.replace("/", "_"), variant)
    source = run_dir / "problems.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in import_rows(variant, bank)))
    config = run_dir / "config.yaml"
    data = run_config(variant, policy, models, api_base, run_dir, source, args.samples, judge)
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    result.problems = len(bank)
    print(f"==> {policy.name} / {label} / {variant}: {len(bank)} problems", file=sys.stderr)
    # verigen.api's, not ``verigen.generate``: once the ``verigen.generate`` subpackage has
    # been imported (the first run imports it), that attribute is the subpackage
    from verigen.api import generate
    from verigen.display import Display
    from verigen.errors import VerigenError

    started = time.monotonic()
    try:
        report = generate(config, overrides=list(args.set), display=Display())
    except VerigenError as exc:
        result.status = f"error: {exc}"
        return result
    result.seconds = time.monotonic() - started
    counts = report["counts"]
    result.calls, result.status = counts["llm_calls"], report["status"]
    result.prompt_tokens = counts["prompt_tokens"]
    result.completion_tokens = counts["completion_tokens"]
    import datasets

    truth = {i.id: i for i in bank}
    dataset = datasets.load_from_disk(report["dataset_dir"])
    rows = [r for r in dataset if of_bank(item_id(r), r["problem"], truth)]
    if variant == "math":
        checker = checkers.setdefault("math", math_checker())
        scored = score_math(rows, truth, checker)  # type: ignore[arg-type]
    else:
        checker = checkers.setdefault("code", code_checker(args.backend))
        scored = score_code(rows, truth, checker)  # type: ignore[arg-type]
    result.tally(scored, bank)
    (run_dir / "precision.json").write_text(json.dumps(_jsonable(result), indent=2))
    return result


def _share_cache(run_dir: Path, out: Path, label: str, variant: str) -> None:
    """Give a policy's journal the solvers' and test writers' replies it lacks from another
    policy's journal for the same models and variant: the requests both make (the solver's
    samples, the tests an imported code problem gets) are answered from that cache, so policies
    are compared on the very same samples and tests, and only what a policy adds is sent. The
    other journal is the one with the most attempts (the one that has solved the most of the
    bank). Only those replies: another policy's judge calls would count in this policy's cost
    column, and its problems and verdicts would be another policy's run."""
    target = run_dir / "journal.sqlite"
    donors = [d for d in out.glob(f"*/{label}/{variant}/journal.sqlite") if d != target]
    if not donors:
        return
    donor = max(donors, key=_attempts)
    for system in _SAMPLE_SYSTEM_PROMPTS:
        copy_replies(donor, run_dir, "json_extract(request, '$.messages[0][1]') = ?", (system,))


_SAMPLE_SYSTEM_PROMPTS = tuple(
    dict.fromkeys(
        prompts.load(name).system
        for name in (
            math_gen.SOLVE_TEMPLATE,
            code_gen.SOLVE_TEMPLATE,
            code_gen.TESTS_TEMPLATE,
            code_gen.AUGMENT_TEMPLATE,
        )
    )
)


def _attempts(journal: Path) -> int:
    return rows(journal, "attempts")


@contextlib.contextmanager
def serving(models: list[str], api_base: str | None) -> Iterator[tuple[str, list[str]]]:
    """(api_base, litellm model strings): the given endpoint, or the catalog model(s) served
    locally as ``llm.local_model`` serves them (several models: one server each, behind a
    router that sends each request to its model's server)."""
    if api_base:
        yield api_base, [m if "/" in m else f"openai/{m}" for m in models]
        return
    from verigen.local import local_server

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(local_server(m)) for m in models]
        if len(servers) == 1:
            yield servers[0].api_base, [servers[0].model]
            return
        router = stack.enter_context(_router({s.name: s.api_base for s in servers}))
        yield router, [s.model for s in servers]


@contextlib.contextmanager
def _router(routes: dict[str, str]) -> Iterator[str]:
    """One OpenAI-compatible base URL in front of several servers, routed by ``model``
    (verigen has one ``llm.api_base`` for all models)."""
    import threading
    import urllib.error
    import urllib.request
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            data = [{"id": name, "object": "model"} for name in routes]
            self._send(200, json.dumps({"object": "list", "data": data}).encode())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            target = routes.get(json.loads(body or b"{}").get("model", ""), "")
            request = urllib.request.Request(
                target + self.path.removeprefix("/v1"), body, {"content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=3600) as reply:
                    self._send(reply.status, reply.read())
            except urllib.error.HTTPError as exc:
                self._send(exc.code, exc.read())
            except (urllib.error.URLError, ValueError) as exc:
                self._send(502, json.dumps({"error": {"message": str(exc)}}).encode())

        def _send(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- output


def _save_replies(results: Sequence[Result], args: argparse.Namespace) -> None:
    """A pack per run: policy, model set and variant, as the run directories are."""
    for r in results:
        if r.policy != "naive":
            pack = pack_path(Path(args.replies), r.models, r.variant, r.policy)
            held = save_pack(pack, [run_dir_of(args, r.policy, r.models, r.variant)])
            print(f"==> {pack}: {held} replies", file=sys.stderr)


def _jsonable(result: Result) -> dict[str, Any]:
    data = asdict(result)
    data["samples"] = [asdict(s) for s in result.samples]
    return data


def table(results: Sequence[Result]) -> str:
    width = max([22, *(len(r.models) + 2 for r in results)])
    head = (
        f"{'policy':<14}{'models':<{width}}{'variant':<10}{'problems':>9}{'kept':>6}{'wrong':>6}"
        f" {'precision [95% CI]':>21}{'≥1 right':>10}{'ill kept':>9}{'calls':>7}"
        f"{'tokens in/out':>16}{'wall s':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        if r.status.startswith("error"):
            lines.append(f"{r.policy:<14}{r.models:<{width}}{r.variant:<10}  {r.status}")
            continue
        lo, hi = r.interval
        shown = "n/a" if r.precision is None else f"{r.precision:.1%} [{lo:.1%}, {hi:.1%}]"
        ill = f"{r.ill_posed_kept}/{r.ill_posed}" if r.variant == "math" else "-"
        cost = f"{r.calls:>7}{f'{r.prompt_tokens}/{r.completion_tokens}':>16}{r.seconds:>8.0f}"
        if r.policy == "naive":  # the fullest run's samples, kept without a policy: no cost
            cost = f"{'-':>7}{'-':>16}{'-':>8}"
        lines.append(
            f"{r.policy:<14}{r.models:<{width}}{r.variant:<10}{r.problems:>9}{r.kept:>6}{r.wrong:>6}"
            f" {shown:>21}{r.problems_correct:>10}{ill:>9}{cost}"
        )
        if r.unscored:
            lines.append(
                f"{'':<{width + 24}}({r.unscored} kept samples could not be judged: infra)"
            )
    return "\n".join(lines)


def wrong_examples(results: Sequence[Result], per_run: int = 3) -> str:
    lines = []
    for r in results:
        for s in [s for s in r.samples if s.correct is False][:per_run]:
            kept = " ".join(s.kept.split())[:70]
            lines.append(f"  {r.variant} {s.problem} ({s.model}): kept {kept!r}; {s.note}")
    return "\n".join(["wrong kept samples (first few per run):", *lines]) if lines else ""


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 0 <= K < N")
    return int(index), int(count)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=VARIANTS)
    parser.add_argument("--model", action="append",
                        help="catalog name, or NAME+NAME for several solvers together")  # fmt: skip
    parser.add_argument("--policy", action="append", help="policy name, YAML path or inline")
    parser.add_argument(
        "--limit",
        type=int,
        default=20,
        help="math problems (the first ones; past 284, more rounds are drawn)",
    )
    parser.add_argument("--code-limit", type=int, default=10, help="code problems per variant")
    parser.add_argument("--all", action="store_true", help="every problem of the bank")
    parser.add_argument("--family", action="append",
                        help="only these math families (ill-posed...), before --limit")  # fmt: skip
    parser.add_argument("--samples", type=int, default=None, help="solver samples per problem")
    parser.add_argument("--judge", help='a catalog model served beside the solvers, for policies '
                        'naming "{judge}" (policies/judge.yaml)')  # fmt: skip
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE for every run")
    parser.add_argument("--seed", type=int, default=0, help="draws the math instances")
    parser.add_argument(
        "--shard",
        type=_shard,
        default=(0, 1),
        metavar="K/N",
        help="only every N-th problem, from the K-th (0-based): side-by-side runs",
    )
    parser.add_argument("--out", default="runs/precision", help="run directories (resumable)")
    parser.add_argument("--api-base", help="an OpenAI-compatible endpoint instead of a local model")
    parser.add_argument("--backend", default="auto", help="sandbox for judging code")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--share-cache",
        action="store_true",
        help="a policy's journal gets the solver replies it lacks from another policy's (the same "
        "samples; calls and tokens count them, as if this policy had asked)",
    )
    parser.add_argument(
        "--replies",
        default=str(HERE / "replies"),
        help="reply packs (POLICY/MODELS/VARIANT.jsonl.gz): replies a journal lacks are taken from "
        "them, for the very requests they hold ('' for none)",
    )
    parser.add_argument(
        "--save-replies",
        action="store_true",
        help="afterwards, add every reply the runs' journals hold to the packs under --replies",
    )
    args = parser.parse_args(argv)
    variants = args.variant or list(VARIANTS)
    policies = [load_policy(p) for p in args.policy or ["default"]]
    results: list[Result] = []
    floors: dict[tuple[str, str], Result] = {}
    checkers: dict[str, Any] = {}
    try:
        for model_set in args.model or ["qwen2.5-coder-0.5b"]:
            solvers = model_set.split("+")
            served = solvers + [m for m in [args.judge] if m and m not in solvers]
            with serving(served, args.api_base) as (api_base, models):
                judge = models[served.index(args.judge)] if args.judge else None
                for policy in policies:
                    for variant in variants:
                        run = (variant, policy, models[: len(solvers)], api_base, args)
                        results.append(run_one(*run, checkers, judge))
        for key, fullest in _by_samples(results, args).items():
            floors[key] = naive_floor(fullest, args, checkers)
        results += floors.values()
        if args.save_replies and args.replies:
            _save_replies(results, args)
    finally:
        for checker in checkers.values():
            checker.close()
    if args.json:
        print(json.dumps({"results": [_jsonable(r) for r in results]}, indent=2))
    else:
        print(table(results))
        print(wrong_examples(results))
    return (
        0 if all(r.status != "error" and not r.status.startswith("error") for r in results) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
