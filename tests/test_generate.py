"""``verigen generate`` end to end, as a subprocess against a real local HTTP server."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import datasets
import pytest

from tests.backends import require
from tests.fakellm import FakeLLM, Fault, body_key, last_user, math_responder

CONFIG = """\
name: t
run_dir: {run_dir}
seed: 7
precision: off
llm: {{api_base: "{api_base}", max_concurrency: 4, backoff_base_s: 0.01, timeout_s: 10,
       max_retries: 3{extra_llm}}}
problems:
  topics: [addition, marbles]
  per_topic: {per_topic}
  writer: {{models: [openai/writer], temperature: 1.0, max_tokens: 128}}
solver:
  models: [openai/solver-a, openai/solver-b]
  samples: 2
  max_tokens: 128
math: {{workers: 2, min_share: 0.5}}
output: {{formats: [arrow, jsonl]}}
"""


# ``precision: off``: these tests are about the run's plumbing (resume, budget, failures), on a
# plain vote that math_responder's replies satisfy; the policy's judges are tested in
# test_precision_policy.py.


def _config(
    tmp_path: Path,
    server: FakeLLM | str,
    *,
    per_topic: int = 3,
    extra_llm: str = "",
    name: str = "run",
) -> Path:
    api_base = server if isinstance(server, str) else server.api_base
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        CONFIG.format(
            run_dir=tmp_path / name, api_base=api_base, per_topic=per_topic, extra_llm=extra_llm
        )
    )
    return path


def _verigen(*args: str | Path, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **kwargs.pop("env", {})}
    return subprocess.Popen(
        [sys.executable, "-m", "verigen", *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    proc = _verigen(*args)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _rows(run_dir: Path) -> list[dict[str, Any]]:
    return sorted(
        datasets.load_from_disk(str(run_dir / "dataset")).to_list(), key=lambda r: r["id"]
    )


@pytest.mark.slow
def test_generate_writes_a_verified_dataset_with_provenance(tmp_path: Path) -> None:
    with FakeLLM() as server:
        server.inject(
            Fault("malformed", match="marbles"),
            Fault("truncated", match="Sam has"),
            Fault("429", retry_after=0.1),
        )
        report_path = tmp_path / "report.json"
        config = _config(tmp_path, server)
        config.write_text(config.read_text() + "export: {formats: [sft, dpo, rl]}\n")
        done = _run(
            "generate",
            "--config",
            config,
            "--quiet",
            "--report-json",
            report_path,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    rows = _rows(tmp_path / "run")
    assert report["status"] == "ok" and report["dataset_rows"] == len(rows) > 0
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["model"] in {"openai/solver-a", "openai/solver-b"}
        assert row["verifier"] == "math" and row["verifier_version"]
        assert row["template_version"] and row["problem_template_version"]
        assert json.loads(row["sampling"])["seed"] is not None
        assert "\\boxed{" in row["solution"]
    counts = report["counts"]
    assert counts["attempts"] == counts["problems"] * 4
    assert sum(counts["verdicts"].values()) == counts["attempts"]
    assert counts["verdicts"]["accepted"] == len(rows)
    assert (tmp_path / "run" / "dataset.jsonl").is_file()
    assert report["yield"]["model"].keys() == {"openai/solver-a", "openai/solver-b"}
    for fmt in ("sft", "dpo", "rl"):
        exported = datasets.load_from_disk(report["exports"][fmt]["path"])
        assert len(exported) == report["exports"][fmt]["rows"]
    assert len(datasets.load_from_disk(report["exports"]["sft"]["path"])) > 0
    assert "## Yield per model" in (tmp_path / "run" / "report.md").read_text()


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    with FakeLLM() as server:
        whole = _run("generate", "-c", _config(tmp_path, server, per_topic=6, name="whole"), "-q")
        assert whole.returncode == 0, whole.stderr
    with FakeLLM(delay_s=0.15) as server:
        config = _config(tmp_path, server, per_topic=6, name="killed")
        journal = tmp_path / "killed" / "journal.sqlite"
        proc = _verigen("generate", "-c", config, "-q")
        _wait_for_rows(journal, "attempts", 8, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = _finished_request_keys(journal)
        assert finished, "the kill should land after some requests were journaled"
        resumed = _run("generate", "-c", config, "-q")
        assert resumed.returncode == 0, resumed.stderr
        repeated = {k for k, n in server.state.request_counts().items() if n > 1}
    assert not repeated & finished, "a request finished before the kill was sent again"
    killed, whole = _rows(tmp_path / "killed"), _rows(tmp_path / "whole")
    assert [r["id"] for r in killed] == [r["id"] for r in whole]
    timing = {"latency_s", "verify_s"}  # wall-clock, differs run to run by nature
    for a, b in zip(killed, whole, strict=True):
        assert {k: v for k, v in a.items() if k not in timing} == {
            k: v for k, v in b.items() if k not in timing
        }


def _wait_for_rows(db: Path, table: str, n: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"run ended before it could be killed: {proc.stderr}"
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    if con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] >= n:
                        return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"{table} never reached {n} rows")


def _finished_request_keys(db: Path) -> set[str]:
    """The journaled requests, keyed the way the server keys what it received."""
    with sqlite3.connect(db) as con:
        requests = [json.loads(r) for (r,) in con.execute("SELECT request FROM llm_calls")]
    return {
        body_key(
            {
                "model": r["model"].split("/", 1)[1],
                "messages": [{"role": role, "content": c} for role, c in r["messages"]],
                "temperature": r["temperature"],
                "seed": r["seed"],
                "max_tokens": r["max_tokens"],
            }
        )
        for r in requests
    }


@pytest.mark.slow
def test_budget_stops_the_run_keeps_verified_samples_and_says_why(tmp_path: Path) -> None:
    prices = (
        ', prices: {"openai/writer": {input_per_mtok: 2000, output_per_mtok: 2000},'
        ' "openai/solver-a": {input_per_mtok: 2000, output_per_mtok: 2000},'
        ' "openai/solver-b": {input_per_mtok: 2000, output_per_mtok: 2000}}'
    )
    with FakeLLM() as server:
        config = _config(tmp_path, server, per_topic=20, extra_llm=", max_cost_usd: 5.0" + prices)
        done = _run("generate", "-c", config, "--report-json", tmp_path / "r.json")
        sent = len(server.state.requests)
    assert done.returncode == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["status"] == "stopped" and report["stop_reason"].startswith("budget")
    assert 0 < sent < 2 * 20 * 5, "the budget must stop the run well before the end"
    assert 0 < report["counts"]["cost_usd"] <= 5.0, "the cap is never passed"
    assert report["dataset_rows"] == len(_rows(tmp_path / "run")) > 0


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9/v1")
    config.write_text(config.read_text().replace("samples: 2", "samples: -1"))
    done = _run("generate", "-c", config, "-q")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "solver.samples" in lines[0] and "run.yaml:13:" in lines[0]


@pytest.mark.slow
def test_unreachable_endpoint_fails_clearly_and_the_journal_resumes(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9/v1", per_topic=1)
    done = _run("generate", "-c", config, "-q")
    assert done.returncode == 1
    assert "127.0.0.1:9" in done.stderr and "after 4 tries" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with FakeLLM() as server:
        config.write_text(config.read_text().replace("http://127.0.0.1:9/v1", server.api_base))
        again = _run("generate", "-c", config, "-q")
    assert again.returncode == 0, again.stderr
    assert len(_rows(tmp_path / "run")) > 0


def _off_by_one_programs(body: dict[str, Any]) -> str:
    """Solutions as usual, but every program computes one more than the true answer."""
    text = math_responder(body)
    return text.replace("print(", "print(1 + ") if text.startswith("```python") else text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("responder", "kept"), [(math_responder, True), (_off_by_one_programs, False)]
)
def test_program_aided_check_keeps_only_answers_a_sandboxed_program_agrees_with(
    tmp_path: Path, responder: Any, kept: bool
) -> None:
    require("bwrap")
    with FakeLLM(responder=responder) as server:
        config = _config(tmp_path, server, per_topic=2)
        config.write_text(
            config.read_text()
            + "code: {backend: bwrap}\n"
            + "math: {workers: 2, program_check: {models: [openai/programmer], max_tokens: 200}}\n"
        )
        config.write_text(config.read_text().replace("math: {workers: 2, min_share: 0.5}\n", ""))
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    rows = _rows(tmp_path / "run")
    reasons = report["counts"]["rejection_reasons"]
    if kept:
        assert rows and all(
            json.loads(r["verdict_details"])["program_check"] == "program_agrees" for r in rows
        )
    else:
        assert not rows and reasons.get("program_disagrees", 0) > 0


@pytest.mark.slow
def test_the_default_policy_keeps_only_answers_every_judge_confirmed(tmp_path: Path) -> None:
    """No ``precision:`` in the config: strict, every judge asked, and the answers the solvers
    got right (3 of 4 seeds) are kept, each with the confirmation of every step on record."""
    require("bwrap")
    with FakeLLM() as server:
        config = _config(tmp_path, server, per_topic=3)
        text = config.read_text().replace("precision: off\n", "")
        config.write_text(text.replace("min_share: 0.5}", "}") + "code: {backend: bwrap}\n")
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
        asked = [last_user(body) for body in server.state.requests]
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["precision"]["policy"] == "strict"
    rows = _rows(tmp_path / "run")
    assert rows, report["counts"]
    for row in rows:
        details = json.loads(row["verdict_details"])
        assert details["well_posed"] == "well_posed", details
        assert details["rederive"] == "rederivation_confirms", details
        assert details["program_check"] == "program_agrees", details
        assert row["answer"] == str(sum(int(n) for n in re.findall(r"\d+", row["problem"])[:2]))
    for judge in ("Can this problem be answered", "Student's final answer", "program prints"):
        assert any(judge in prompt for prompt in asked), judge
    assert report["precision"]["problems"]["kept"] == len({row["problem"] for row in rows})


@pytest.mark.slow
def test_an_unusable_sandbox_mid_run_is_one_line_and_keeps_what_was_written(tmp_path: Path) -> None:
    with FakeLLM() as server:
        config = _config(tmp_path, server, per_topic=1)
        config.write_text(
            config.read_text().replace("math: {workers: 2, min_share: 0.5}\n", "")
            + "code: {backend: docker}\n"
            + "math: {workers: 2, program_check: {models: [openai/programmer]}}\n"
        )
        env_docker_host = {"DOCKER_HOST": "tcp://127.0.0.1:9"}  # an engine that never answers
        proc = _verigen("generate", "-c", config, "-q", env=env_docker_host)
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert len(err.strip().splitlines()) == 1 and "docker" in err.lower()
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["status"] == "stopped" and report["stop_reason"].startswith("error: SandboxError")
    assert report["counts"]["attempts"] > 0, "attempts written before the failure are kept"


def _crashing_programs(body: dict[str, Any]) -> str:
    """Solutions as usual, but every program the program check asks for crashes."""
    text = math_responder(body)
    return "```python\nraise SystemExit(3)\n```" if text.startswith("```python") else text


@pytest.mark.slow
def test_a_program_check_that_cannot_tell_is_infra_error_never_a_rejection(tmp_path: Path) -> None:
    require("bwrap")
    with FakeLLM(responder=_crashing_programs) as server:
        config = _config(tmp_path, server, per_topic=2)
        config.write_text(
            config.read_text().replace("math: {workers: 2, min_share: 0.5}\n", "")
            + "code: {backend: bwrap}\n"
            + "math: {workers: 2, program_check: {models: [openai/programmer]}}\n"
        )
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
        programs = [b for b in server.state.requests if b["model"] == "programmer"]
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["dataset_rows"] == 0
    assert not any(r.startswith("program") for r in report["counts"]["rejection_reasons"])
    assert report["counts"]["infra_reasons"]["unverifiable"] > 0
    with sqlite3.connect(tmp_path / "run" / "journal.sqlite") as con:
        infra = [
            json.loads(d)
            for (d,) in con.execute("SELECT data FROM verdicts WHERE outcome = 'infra_error'")
        ]
        (checked,) = con.execute(
            "SELECT COUNT(DISTINCT a.problem_id) FROM verdicts v JOIN attempts a"
            " ON a.id = v.attempt_id WHERE v.outcome = 'infra_error'"
        ).fetchone()
    assert infra and all(v["reason"] == "unverifiable" for v in infra)
    assert all(v["details"]["program_check"] == "program_nonzero_exit" for v in infra)
    assert all(v["details"]["program_tries"] == 2 for v in infra)
    assert len({b["seed"] for b in programs}) == len(programs) == 2 * checked, "a new seed a try"


@pytest.mark.slow
def test_changing_a_verifier_option_rejudges_the_journal_without_llm_calls(tmp_path: Path) -> None:
    with FakeLLM() as server:
        config = _config(tmp_path, server, per_topic=4)
        first = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "a.json")
        sent = len(server.state.requests)
        strict = _run(
            "generate", "-c", config, "-q", "--report-json", tmp_path / "b.json",
            "--set", "math.min_share=1.0",
        )  # fmt: skip
        assert len(server.state.requests) == sent, "re-judging must not send a request"
    assert first.returncode == 0 and strict.returncode == 0, first.stderr + strict.stderr
    before, after = (json.loads((tmp_path / f"{n}.json").read_text()) for n in "ab")
    assert after["verifier_version"] != before["verifier_version"]
    assert after["counts"]["attempts"] == before["counts"]["attempts"]
    assert 0 < after["dataset_rows"] < before["dataset_rows"]
    rows = _rows(tmp_path / "run")
    assert {r["verifier_version"] for r in rows} == {after["verifier_version"]}


@pytest.mark.slow
def test_resume_rejudges_infra_errors_a_bounded_number_of_times(tmp_path: Path) -> None:
    with FakeLLM() as server:
        config = _config(tmp_path, server, per_topic=2)
        first = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "a.json")
        assert first.returncode == 0, first.stderr
        journal = tmp_path / "run" / "journal.sqlite"
        with sqlite3.connect(journal) as con:  # as a crashed worker would have left them
            by_problem = _attempts_by_problem(con)
            retry, spent = by_problem[0][:2], by_problem[1][:2]
            for attempt_id, tries in [(a, 1) for a in retry] + [(a, 3) for a in spent]:
                _make_infra(con, attempt_id, tries)
        sent = len(server.state.requests)
        again = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "b.json")
        assert again.returncode == 0, again.stderr
        assert len(server.state.requests) == sent
    with sqlite3.connect(journal) as con:
        outcome = dict(con.execute("SELECT attempt_id, outcome FROM verdicts"))
    assert all(outcome[a] != "infra_error" for a in retry), "infra errors are judged again"
    assert all(outcome[a] == "infra_error" for a in spent), "after 3 tries the infra error stands"


def _attempts_by_problem(con: sqlite3.Connection) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for problem_id, attempt_id in con.execute("SELECT problem_id, id FROM attempts ORDER BY 1, 2"):
        groups.setdefault(problem_id, []).append(attempt_id)
    return list(groups.values())


def _make_infra(con: sqlite3.Connection, attempt_id: str, tries: int) -> None:
    (data,) = con.execute(
        "SELECT data FROM verdicts WHERE attempt_id = ?", (attempt_id,)
    ).fetchone()
    verdict = json.loads(data)
    verdict |= {"outcome": "infra_error", "reason": "worker_crashed"}
    verdict["details"] = {"infra_tries": tries}
    con.execute(
        "UPDATE verdicts SET outcome = 'infra_error', reason = 'worker_crashed', data = ?"
        " WHERE attempt_id = ?",
        (json.dumps(verdict), attempt_id),
    )
