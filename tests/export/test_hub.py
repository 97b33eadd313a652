"""Pushing an export to a local Hub stand-in: one commit, card metadata kept, stale shards gone."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.curate.journals import two_rounds
from tests.export.hubstandin import HubStandIn
from verigen.curate import curate
from verigen.errors import InfraError, InputError
from verigen.export.hub import push_to_hub
from verigen.export.writer import ExportOptions, export
from verigen.store import Journal

REPO = "me/math-sft"


@pytest.fixture
def hub() -> Iterator[HubStandIn]:
    with HubStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("push")
    with Journal.open_existing(two_rounds(root / "run")) as journal:
        result = curate(journal)
    return export(result, root / "out", ExportOptions(format="sft")).path


def test_a_push_is_one_commit_with_data_card_and_plots(hub: HubStandIn, exported: Path) -> None:
    url = push_to_hub(exported, REPO, token="hf_test", endpoint=hub.url)
    assert url.startswith(f"{hub.url}/datasets/{REPO}/commit/")
    files = hub.repos[REPO]
    assert sorted(files) == [
        "README.md",
        "data/train-00000-of-00001.parquet",
        "plots/funnel.png",
        "plots/pass_rate.png",
        "plots/topics.png",
    ]
    assert len(hub.commits) == 1 and "Bearer hf_test" in hub.tokens
    table = pq.read_table(io.BytesIO(files["data/train-00000-of-00001.parquet"]))
    assert table.num_rows == 7 and "messages" in table.column_names
    assert b"## Funnel" in files["README.md"]


def test_an_existing_card_keeps_its_metadata_and_stale_shards_go(
    hub: HubStandIn, exported: Path
) -> None:
    hub.repos[REPO] = {
        "README.md": b"---\nlicense: mit\ntags:\n- mine\n---\nold body\n",
        "data/train-00000-of-00002.parquet": b"old",
        "data/train-00001-of-00002.parquet": b"old",
        "notes.txt": b"untouched",
    }
    push_to_hub(exported, REPO, token="hf_test", endpoint=hub.url)
    files = hub.repos[REPO]
    card = files["README.md"].decode()
    assert "license: mit" in card and "- mine" in card and "- verigen" in card
    assert "old body" not in card and "## Funnel" in card
    assert not any(name.endswith("of-00002.parquet") for name in files)
    assert files["notes.txt"] == b"untouched"


def test_only_an_export_directory_can_be_pushed(hub: HubStandIn, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a verigen export"):
        push_to_hub(tmp_path, REPO, token="hf_test", endpoint=hub.url)
    assert hub.commits == []


def test_an_unreachable_hub_is_an_infra_error_naming_it(exported: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed once the block ends
    with pytest.raises(InfraError, match=f"push to {REPO} failed: cannot reach {endpoint}"):
        push_to_hub(exported, REPO, token="hf_test", endpoint=endpoint)
