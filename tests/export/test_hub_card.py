"""After ``--push-to-hub`` the card's ``configs`` name the pushed Parquet shards, not the export
directory's Arrow files (the push builds the card again for the repo's layout)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

from tests.curate.journals import two_rounds
from tests.export.hubstandin import HubStandIn
from verigen.curate import curate
from verigen.export.hub import push_to_hub
from verigen.export.writer import ExportOptions, export
from verigen.store import Journal


def _data_files(card: str) -> str:
    header = yaml.safe_load(card.split("---\n")[1])
    [config] = header["configs"]
    [files] = config["data_files"]
    assert files["split"] == "train"
    return str(files["path"])


def test_local_and_pushed_cards_each_name_their_own_data(tmp_path: Path) -> None:
    with Journal.open_existing(two_rounds(tmp_path / "run")) as journal:
        exported = export(curate(journal), tmp_path / "out", ExportOptions(format="rl")).path
    local = _data_files((exported / "README.md").read_text())
    assert [p.name for p in exported.glob(local)] == ["data-00000-of-00001.arrow"]
    with HubStandIn() as hub:
        push_to_hub(exported, "me/rl", token="hf_test", endpoint=hub.url)
        files = hub.repos["me/rl"]
    pushed = _data_files(files["README.md"].decode())
    matched = fnmatch.filter(files, pushed)
    assert matched == ["data/train-00000-of-00001.parquet"]
    assert not fnmatch.filter(files, local), "no Arrow shards are pushed"
