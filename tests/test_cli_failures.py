"""Every ``verigen`` command through its failure modes, as a user meets them: run as a
subprocess, it exits non-zero with exactly one line on stderr naming the problem, and never
with a traceback. SIGTERM (what ``timeout``, systemd and Kubernetes send) takes Ctrl-C's path:
exit 143, what was verified kept on disk, no process left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.curate.journals import two_rounds
from tests.export.hubstandin import HubStandIn
from tests.fakellm import FakeLLM, Fault

CONFIG = """\
run_dir: {run_dir}
llm: {{api_base: "{api_base}", max_concurrency: 4, max_retries: 0, backoff_base_s: 0.01,
       timeout_s: 10}}
problems:
  topics: [addition, marbles]
  per_topic: {per_topic}
  writer: {{models: [openai/writer], max_tokens: 128}}
solver: {{models: [openai/solver-a, openai/solver-b], samples: 2, max_tokens: 128}}
math: {{workers: 2}}
"""

HOSTED = """\
run_dir: {run_dir}
problems: {{topics: [addition], writer: {{models: [gpt-4o-mini]}}}}
solver: {{models: [gpt-4o-mini]}}
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return {**env, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **extra}


def _start(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``verigen ARGS`` in a session of its own, so whatever it starts can be found after."""
    return subprocess.Popen(
        [sys.executable, "-m", "verigen", *map(str, args)],
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = _start(*args, env=env)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _one_line(done: subprocess.CompletedProcess[str], code: int, *names: str) -> str:
    """The command exited ``code`` with one line on stderr that contains each of ``names``."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == code, done.stderr
    assert len(lines) == 1, done.stderr
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(tmp_path: Path, api_base: str, per_topic: int = 1) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(CONFIG.format(run_dir=tmp_path / "run", api_base=api_base, per_topic=per_topic))
    return path


# --- bad input: exit 2 ---------------------------------------------------------------------


def test_a_malformed_config_is_one_line_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("problems: {topics: [a]\nsolver: [")
    _one_line(_run("generate", "-c", config), 2, "bad.yaml")
    _one_line(_run("generate", "-c", tmp_path / "missing.yaml"), 2, "missing.yaml")


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (None, ["does not exist"]),
        ('{"solution": "x", "answer": "1"}\nnot json\n', ["rows.jsonl:2", "not JSON"]),
        ("[1, 2]\n", ["rows.jsonl:1", "JSON object"]),
        ('{"solution": "\\\\boxed{1}"}\n', ["answer"]),
        ("\n\n", ["no rows"]),
        (b"\xff\xfe\x00binary", ["not UTF-8"]),
        ('{"solution": "x", "answer": "1"}\n{"solution": 5, "answer": "1"}\n',
         ["rows.jsonl:2", "'solution'", "line 1"]),
        ("PAR1 not really parquet", ["rows.parquet", "not a Parquet file"]),
    ],
    ids=["missing", "not-json", "not-an-object", "missing-column", "empty", "binary",
         "mixed-kinds", "not-parquet"],
)  # fmt: skip
def test_verify_refuses_unusable_input_in_one_line(
    tmp_path: Path, content: str | bytes | None, names: list[str]
) -> None:
    parquet = isinstance(content, str) and content.startswith("PAR1")
    rows = tmp_path / ("rows.parquet" if parquet else "rows.jsonl")
    if isinstance(content, bytes):
        rows.write_bytes(content)
    elif content is not None:
        rows.write_text(content)
    done = _run("verify", rows, "--out", tmp_path / "out", "--domain", "math")
    _one_line(done, 2, *names)
    assert not (tmp_path / "out").exists()


def test_check_math_refuses_unusable_input_in_one_line(tmp_path: Path) -> None:
    _one_line(_run("check-math", "--jsonl", tmp_path / "none.jsonl"), 2, "none.jsonl")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"gold": "1", "pred": "1"}\n{"gold": "1"}\n')
    _one_line(_run("check-math", "--jsonl", pairs), 2, "pairs.jsonl:2", "pred")
    _one_line(_run("check-math", "1"), 2, "GOLD and PRED")
    pairs.write_bytes(b'{"gold": "\xff"}\n')
    _one_line(_run("check-math", "--jsonl", pairs), 2, "pairs.jsonl", "not UTF-8")


def test_a_usage_error_is_clicks_usage_message_not_a_traceback(tmp_path: Path) -> None:
    for args in (["verify", "rows.jsonl"], ["no-such-command"]):
        done = _run(*args)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "Error:" in done.stderr and "--help" in done.stderr


def test_export_and_push_refuse_what_is_not_theirs(tmp_path: Path) -> None:
    _one_line(_run("export", tmp_path, "--to", tmp_path / "out"), 2, "journal.sqlite")
    _one_line(_run("push", tmp_path, "me/data"), 2, "not a verigen export")


# --- credentials: checked before the first request ----------------------------------------


@pytest.mark.parametrize("quiet", [[], ["--quiet"]], ids=["live", "quiet"])
def test_generate_without_the_providers_key_names_the_variable(
    tmp_path: Path, quiet: list[str]
) -> None:
    config = tmp_path / "hosted.yaml"
    config.write_text(HOSTED.format(run_dir=tmp_path / "run"))
    _one_line(_run("generate", "-c", config, *quiet), 2, "gpt-4o-mini", "OPENAI_API_KEY")
    assert not (tmp_path / "run" / "journal.sqlite").exists(), "stopped before anything ran"


@pytest.mark.parametrize("judge", ["well_posed", "rederive", "program_check"])
def test_a_judge_from_another_provider_needs_its_key_too(tmp_path: Path, judge: str) -> None:
    config = tmp_path / "hosted.yaml"
    role = "{models: [anthropic/claude-3-5-haiku-latest]}"
    config.write_text(HOSTED.format(run_dir=tmp_path / "run") + f"math: {{{judge}: {role}}}\n")
    done = _run("generate", "-c", config, "-q", env=_env(OPENAI_API_KEY="sk-placeholder"))
    _one_line(done, 2, "anthropic/claude-3-5-haiku-latest", "ANTHROPIC_API_KEY")
    assert "gpt-4o-mini" not in done.stderr, "the solver's key is set"
    assert not (tmp_path / "run" / "journal.sqlite").exists(), "stopped before anything ran"


def test_doctor_reports_the_missing_key_and_fails(tmp_path: Path) -> None:
    config = tmp_path / "hosted.yaml"
    config.write_text(HOSTED.format(run_dir=tmp_path / "run"))
    done = _run("doctor", "-c", config)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "llm credentials" in done.stdout and "OPENAI_API_KEY" in done.stdout


def test_a_configured_endpoint_counts_as_credentials(tmp_path: Path) -> None:
    with FakeLLM() as server:
        done = _run("doctor", "-c", _config(tmp_path, server.api_base))
    assert "every model has what it needs" in done.stdout, done.stdout


# --- the endpoint and the Hub ---------------------------------------------------------------


def test_an_unreachable_endpoint_is_one_line_naming_it(tmp_path: Path) -> None:
    api_base = f"http://127.0.0.1:{_closed_port()}/v1"
    config = _config(tmp_path, api_base)
    _one_line(_run("generate", "-c", config, "-q"), 1, f"cannot reach {api_base}")
    doctor = _run("doctor", "-c", config)
    assert doctor.returncode == 1 and "unreachable" in doctor.stdout
    assert "Traceback" not in doctor.stderr


def test_a_run_that_lost_requests_says_so_even_quiet(tmp_path: Path) -> None:
    with FakeLLM() as server:
        server.inject(*[Fault("500", match="Write one new math problem") for _ in range(2)])
        done = _run("generate", "-c", _config(tmp_path, server.api_base), "-q")
    line = _one_line(done, 1, "propose:http_500 x2", "report.md")
    assert str(tmp_path / "run" / "dataset") in line


@pytest.mark.slow
def test_a_push_with_the_hub_unreachable_keeps_the_export_and_says_how_to_push(
    tmp_path: Path,
) -> None:
    run_dir, out = two_rounds(tmp_path / "run"), tmp_path / "out"
    offline = _env(HF_ENDPOINT=f"http://127.0.0.1:{_closed_port()}", HF_TOKEN="hf_test")
    args = ("export", run_dir, "--to", out, "--no-decontaminate", "--push-to-hub", "me/data")
    line = _one_line(_run(*args, env=offline), 1, "push to me/data failed", str(out))
    assert (out / "dataset_info.json").is_file(), "the export is written before the push"
    again = line.split("push it later with: ")[1].split()
    assert again[:2] == ["verigen", "push"]
    with HubStandIn() as hub:
        pushed = _run(*again[1:], env=_env(HF_ENDPOINT=hub.url, HF_TOKEN="hf_test"))
        assert pushed.returncode == 0, pushed.stderr
        assert "README.md" in hub.repos["me/data"] and len(hub.commits) == 1


# --- SIGTERM: Ctrl-C's path, exit 143 -------------------------------------------------------


def _count(db: Path, table: str) -> int:
    try:
        with sqlite3.connect(db) as con:
            return int(con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def _wait_until(ready: object, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"ended before the signal: {proc.communicate()[1][-2000:]}"
        if callable(ready) and ready():
            return
        time.sleep(0.05)
    raise AssertionError("never got far enough to be stopped mid-run")


def _left_in_session(sid: int) -> list[str]:
    """Processes still alive in the command's session, after a grace period for them to exit."""
    deadline = time.monotonic() + 15
    while True:
        left = []
        for proc in psutil.process_iter(["pid", "cmdline", "status"]):
            try:
                if os.getsid(proc.pid) == sid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                    left.append(" ".join(proc.info["cmdline"] or []))
            except (ProcessLookupError, psutil.Error):
                continue
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _pool_started(pid: int) -> bool:
    """The forkserver and both workers are up (a worker killed while it is being spawned prints
    multiprocessing's own traceback: a race of the pool's, reported, not this test's subject)."""
    children = psutil.Process(pid).children(recursive=True)
    return len(children) >= 3 and all(time.time() - c.create_time() > 1.0 for c in children)


def _terminate(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.slow
def test_sigterm_stops_generate_like_ctrl_c(tmp_path: Path) -> None:
    with FakeLLM(delay_s=0.1) as server:
        proc = _start("generate", "-c", _config(tmp_path, server.api_base, per_topic=40))
        journal = tmp_path / "run" / "journal.sqlite"
        _wait_until(lambda: _count(journal, "verdicts") >= 4, proc)
        done = _terminate(proc)
    _one_line(done, 143, "interrupted", str(journal), "rerun")
    assert _count(journal, "verdicts") >= 4, "what was verified is kept"
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["stop_reason"] == "interrupted" and report["status"] == "stopped"
    assert (tmp_path / "run" / "dataset" / "dataset_info.json").is_file()
    assert _left_in_session(proc.pid) == []


@pytest.mark.slow
def test_sigterm_stops_verify_and_keeps_the_finished_parts(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    # enough rows that the run cannot finish between two polls (3000 once did, in CI)
    lines = [{"solution": f"so \\boxed{{{i}}}", "answer": str(i)} for i in range(30000)]
    rows.write_text("".join(json.dumps(row) + "\n" for row in lines))
    parts = tmp_path / ".out.parts"
    proc = _start(
        "verify", rows, "--out", tmp_path / "out", "--domain", "math", "--rows-per-part", "20"
    )
    _wait_until(lambda: parts.is_dir() and any(parts.glob("*/dataset_info.json")), proc)
    done = _terminate(proc)
    _one_line(done, 143, "interrupted", str(parts))
    assert any(parts.glob("*/dataset_info.json"))
    assert _left_in_session(proc.pid) == []


@pytest.mark.slow
def test_sigterm_stops_check_math(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        "".join(json.dumps({"gold": str(i), "pred": f"{i}.0"}) + "\n" for i in range(20000))
    )
    proc = _start("check-math", "--jsonl", pairs)
    _wait_until(lambda: _pool_started(proc.pid), proc)
    done = _terminate(proc)
    _one_line(done, 143, "interrupted")
    assert _left_in_session(proc.pid) == []
