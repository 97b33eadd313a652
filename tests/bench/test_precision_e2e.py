"""The precision bench end to end against a scripted model: import → ``verigen generate`` →
score, over real HTTP (tests/fakellm.py), the real import path, journal, dataset and sandbox.

The scripted model answers from the bench's own truth, except for one math problem (a
confident wrong answer every time), every ill-posed statement (answered 42) and one code
problem (a solution that passes the three given tests and fails the hidden ones). With the
``off`` policy a consistent answer is kept, so the bench must count exactly those as wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.precision import code_bank, main, math_bank
from tests.backends import require
from tests.fakellm import FakeLLM, last_user

MATH_LIMIT = 8
CODE_LIMIT = 6
POISONED_MATH = "m001"
POISONED_CODE = "second_largest"
WRONG_CODE = "def second_largest(nums: list[int]) -> int | None:\n    return sorted(nums)[-2]\n"


def scripted() -> Any:
    maths = {i.statement: i for i in math_bank()[:MATH_LIMIT]}
    codes = {i.entry_point: i for i in code_bank()[:CODE_LIMIT]}

    def reply(body: dict[str, Any]) -> str:
        text = last_user(body)
        if text in maths:
            item = maths[text]
            if item.answer is None:
                return "Assuming the usual values, \\boxed{42}."
            answer = "-9999" if item.id == POISONED_MATH else item.answer
            return f"Working it out step by step gives \\boxed{{{answer}}}."
        match = re.search(r"def (\w+)\(", text)
        item = codes[match[1]] if match else None
        if item is None:
            return "I cannot help with that."
        if "test cases" in text:
            cases = [{"args": t["args"], "expected": t["expected"]} for t in item.tests[:5]]
            return json.dumps({"tests": cases})
        code = WRONG_CODE if item.entry_point == POISONED_CODE else item.reference
        code += f"\n\nSAMPLE = {body['seed']}\n"  # each sample its own program, as a model's are
        return f"```python\n{code}```"

    return reply


@pytest.mark.slow
def test_the_bench_counts_exactly_the_wrong_kept_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("bwrap")
    with FakeLLM(responder=scripted()) as server:
        code = main(
            ["--api-base", server.api_base, "--model", "scripted", "--policy", "off",
             "--limit", str(MATH_LIMIT), "--code-limit", str(CODE_LIMIT), "--samples", "2",
             "--out", str(tmp_path), "--backend", "bwrap", "--set", "code.backend=bwrap",
             "--set", "llm.max_concurrency=4", "--json",
             "--replies", str(tmp_path / "replies"), "--save-replies"]
        )  # fmt: skip
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    _the_packs_reproduce_the_table(tmp_path, rows, capsys)
    _a_model_set_takes_each_model_s_pack(tmp_path, capsys)
    results = {r["variant"]: r for r in rows if r["policy"] == "off"}
    floors = {r["variant"]: r for r in rows if r["policy"] == "naive"}
    assert set(results) == set(floors) == {"math", "code-none", "code-weak"} and len(rows) == 6

    maths = math_bank()[:MATH_LIMIT]
    ill = [i.id for i in maths if i.answer is None]
    m = results["math"]
    assert (m["problems"], m["ill_posed"], m["ill_posed_kept"]) == (MATH_LIMIT, 1, 1)
    assert m["kept"] == 2 * MATH_LIMIT, "every consistent answer is kept under the off policy"
    assert m["wrong"] == 2 * (1 + len(ill))
    assert m["problems_correct"] == MATH_LIMIT - 1 - len(ill)
    assert m["precision"] == pytest.approx((2 * MATH_LIMIT - m["wrong"]) / (2 * MATH_LIMIT))
    for sample in m["samples"]:
        assert sample["correct"] is (sample["problem"] not in {POISONED_MATH, *ill}), sample
    assert m["calls"] >= 2 * MATH_LIMIT and m["prompt_tokens"] > 0

    poisoned = next(i.id for i in code_bank() if i.entry_point == POISONED_CODE)
    for variant in ("code-none", "code-weak"):
        r = results[variant]
        assert r["problems"] == CODE_LIMIT and r["unscored"] == 0
        assert r["problems_correct"] == CODE_LIMIT - 1, variant
        for sample in r["samples"]:
            assert sample["correct"] is (sample["problem"] != poisoned), (variant, sample)
    # Whether the wrong solution is kept is verigen's policy (today it is, in both variants:
    # with three given tests it passes them all; with the test writer's five, the two samples
    # of it agree and that "consensus" drops the two tests it fails). The bench's job is to
    # count what is kept right, and every kept sample of it must be counted wrong.
    kept_wrong = sum(s["problem"] == poisoned for v in ("code-none", "code-weak")
                     for s in results[v]["samples"])  # fmt: skip
    assert results["code-none"]["wrong"] + results["code-weak"]["wrong"] == kept_wrong
    assert "second_largest" in (tmp_path / "off/scripted/code-weak/problems.jsonl").read_text()

    # the naive floor keeps every sample a policy-free pipeline would, from the same journal:
    # every boxed answer; every solution passing all of its problem's own tests — the test
    # writer's without a given suite (the wrong one fails two of them: with nothing dropped by
    # agreement, it is not kept), the three given ones with one (the wrong one passes them),
    # never the writer's additions to a given suite, which are the policy's
    naive = floors["math"]
    assert naive["kept"] == 2 * MATH_LIMIT and naive["wrong"] == m["wrong"]
    assert naive["problems_correct"] == m["problems_correct"] and naive["calls"] == 0
    assert (floors["code-none"]["kept"], floors["code-none"]["wrong"]) == (2 * CODE_LIMIT - 2, 0)
    assert (floors["code-weak"]["kept"], floors["code-weak"]["wrong"]) == (2 * CODE_LIMIT, 2)
    for variant in ("code-none", "code-weak"):
        assert floors[variant]["problems_correct"] == CODE_LIMIT - 1


def _the_packs_reproduce_the_table(
    tmp_path: Path, rows: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A fresh clone has the reply packs, not the run directories: the same command into a new
    ``--out`` re-scores the very samples, every request answered from the packs, none sent to
    a model (this one would answer nothing usable)."""
    assert sorted(p.name for p in (tmp_path / "replies" / "off" / "scripted").iterdir()) == [
        "code-none.jsonl.gz", "code-weak.jsonl.gz", "math.jsonl.gz"
    ]  # fmt: skip
    with FakeLLM(responder=lambda body: "I cannot help with that.") as idle:
        code = main(
            ["--api-base", idle.api_base, "--model", "scripted", "--policy", "off",
             "--limit", str(MATH_LIMIT), "--code-limit", str(CODE_LIMIT), "--samples", "2",
             "--out", str(tmp_path / "again"), "--backend", "bwrap", "--set", "code.backend=bwrap",
             "--json", "--replies", str(tmp_path / "replies")]
        )  # fmt: skip
        assert code == 0 and idle.state.requests == []
    again = json.loads(capsys.readouterr().out)["results"]
    fields = ("policy", "variant", "problems", "calls", "prompt_tokens", "completion_tokens")
    assert [[r[f] for f in fields] for r in again] == [[r[f] for f in fields] for r in rows]
    # the math rows are judged by the symbolic checker alone: the very same rows again (code
    # rows are judged anew in the sandbox, whose timing a loaded machine can move)
    math = [[r[f] for f in ("kept", "wrong", "problems_correct")] for r in rows[:1]]
    assert [[r[f] for f in ("kept", "wrong", "problems_correct")] for r in again[:1]] == math


def _a_model_set_takes_each_model_s_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``scripted+other`` asks ``scripted`` exactly what the ``scripted`` run asked (the same
    problems, samples and seeds): its pack answers all of it, and only ``other`` is sent."""
    with FakeLLM(responder=lambda body: "So it is \\boxed{7}.") as fresh:
        code = main(
            ["--api-base", fresh.api_base, "--model", "scripted+other", "--policy", "off",
             "--variant", "math", "--limit", str(MATH_LIMIT), "--samples", "2",
             "--out", str(tmp_path / "both"), "--json", "--replies", str(tmp_path / "replies")]
        )  # fmt: skip
        sent = {b["model"] for b in fresh.state.requests}
    capsys.readouterr()
    assert code == 0 and sent == {"other"}


def test_a_pack_line_whose_key_is_not_its_request_s_is_refused(tmp_path: Path) -> None:
    """A hand-edited request must not be answered with the reply stored for another one."""
    import gzip

    from bench._replies import PackError, load_pack, save_pack
    from verigen.llm import ChatRequest, cache_key
    from verigen.store import Journal

    request = ChatRequest(model="openai/m", messages=(("user", "What is 2 + 2?"),), seed=1)
    fields = {"model": request.model, "messages": request.messages, "temperature": 0.7,
              "top_p": 1.0, "max_tokens": 1024, "seed": 1, "response_format": None,
              "api_base": "http://127.0.0.1:9"}  # fmt: skip
    with Journal(tmp_path / "run") as journal:
        journal.add_llm_call(cache_key(request), "openai/m", fields, {"text": "4"}, 5, 1, None, 0.1)
    pack = tmp_path / "pack.jsonl.gz"
    assert save_pack(pack, [tmp_path / "run"]) == 1
    assert load_pack(pack, tmp_path / "copy") == 1
    with Journal(tmp_path / "copy") as copy:
        assert copy.cached_response(cache_key(request)) == {"text": "4"}

    line = json.loads(gzip.decompress(pack.read_bytes()))
    line["request"]["messages"][0][1] = "What is 2 + 3?"
    pack.write_bytes(gzip.compress((json.dumps(line) + "\n").encode()))
    with pytest.raises(PackError, match=r"pack\.jsonl\.gz:1: the key is not its request"):
        load_pack(pack, tmp_path / "other")


def test_the_router_sends_each_request_to_its_model_s_server() -> None:
    """``--model A+B`` serves each model on its own server behind one base URL."""
    import urllib.request

    from bench.precision import _router

    def ask(base: str, model: str) -> str:
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]})
        request = urllib.request.Request(
            f"{base}/chat/completions", body.encode(), {"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            return str(json.loads(reply.read())["choices"][0]["message"]["content"])

    with (
        FakeLLM(responder=lambda body: "from a") as a,
        FakeLLM(responder=lambda body: "from b") as b,
        _router({"model-a": a.api_base, "model-b": b.api_base}) as base,
    ):
        assert [ask(base, "model-a"), ask(base, "model-b"), ask(base, "model-a")] == [
            "from a",
            "from b",
            "from a",
        ]
        with urllib.request.urlopen(f"{base}/models", timeout=30) as reply:
            listed = [m["id"] for m in json.loads(reply.read())["data"]]
    assert listed == ["model-a", "model-b"]
    assert len(a.state.requests) == 2 and len(b.state.requests) == 1
