"""Run ``verigen`` against a real two-node Ray cluster inside a private network namespace.

Started by ``tests/executor/test_ray.py`` through ``netns.run_private``: the namespace has only a
loopback interface, so Ray's nodes bind 127.0.0.1 and no byte can leave the machine. Both nodes
(one CPU each) are real raylets on this machine (``ray.cluster_utils.Cluster``); the worker node
can be removed mid-run, which kills its processes the way a lost machine would, and the command
itself can be interrupted (SIGINT, as Ctrl-C) once it has written some shards.

Prints one JSON line: the command's exit code, its stderr's tail, whether the node was killed,
whether the command was interrupted.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kill-when", type=Path, help="remove the worker node once this exists")
    parser.add_argument("--kill-after", type=int, default=1, help="...with this many shards")
    parser.add_argument("--interrupt-when", type=Path, help="Ctrl-C the command once this exists")
    parser.add_argument("--interrupt-after", type=int, default=1, help="...with this many shards")
    parser.add_argument(
        "--fake-llm", type=Path, help="serve tests/fakellm.py; fill {api_base} into X.yaml.tmpl"
    )
    parser.add_argument("argv", nargs="+", help="verigen arguments; {address} is filled in")
    args = parser.parse_args()

    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        result = _run(args, cluster, worker)
    finally:
        cluster.shutdown()
    print(json.dumps(result))


def _run(args: argparse.Namespace, cluster: Any, worker: Any) -> dict[str, Any]:
    argv = [a.replace("{address}", cluster.address) for a in args.argv]
    if args.fake_llm is None:
        return _watch(argv, args, cluster, worker)
    from tests.fakellm import FakeLLM

    with FakeLLM() as server:  # replies are a function of the request: same as the test's own
        text = args.fake_llm.read_text().replace("{api_base}", server.api_base)
        args.fake_llm.with_suffix("").write_text(text)
        return _watch(argv, args, cluster, worker)


def _watch(argv: list[str], args: argparse.Namespace, cluster: Any, worker: Any) -> dict[str, Any]:
    with tempfile.TemporaryFile("w+") as err:  # a file, not a pipe: nobody reads while it runs
        proc = subprocess.Popen(
            [sys.executable, "-m", "verigen", *argv], stdout=subprocess.DEVNULL, stderr=err
        )
        killed = interrupted = False
        while proc.poll() is None:
            if not killed and _due(args.kill_when, args.kill_after):
                cluster.remove_node(worker)
                killed = True
            if not interrupted and _due(args.interrupt_when, args.interrupt_after):
                proc.send_signal(signal.SIGINT)
                interrupted = True
            time.sleep(0.2)
        err.seek(0)
        return {
            "returncode": proc.returncode,
            "stderr": err.read()[-3000:],
            "killed": killed,
            "interrupted": interrupted,
        }


def _due(shards: Path | None, count: int) -> bool:
    """``shards`` (``OUT/shards``) holds ``count`` written shards."""
    return shards is not None and shards.is_dir() and len(list(shards.glob("shard-*"))) >= count


if __name__ == "__main__":
    main()
