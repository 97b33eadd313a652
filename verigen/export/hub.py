"""Push an export directory to the Hugging Face Hub as one commit: Parquet shards, card, plots.

One ``create_commit`` holds everything, so the repo never shows new data with an old card.
The card starts from the repo's existing ``README.md`` when there is one (``DatasetCard.load``
of the downloaded file): a freshly built card would erase metadata the Hub or a user put there
(huggingface_hub#3043). Shards of a previous push that this one does not overwrite are
deleted in the same commit.

The token is passed in (the CLI reads ``HF_TOKEN`` from the environment; ``None`` lets
``huggingface_hub`` use a stored login). ``endpoint`` exists for self-hosted Hub mirrors.
A Hub that refuses the push or cannot be reached is an ``InfraError`` naming which: the export
on disk is untouched either way, so the push can simply be tried again.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import httpx
from datasets import Dataset, load_from_disk
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, DatasetCard, HfApi
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError

from verigen.errors import InfraError, InputError
from verigen.export.card import build_card
from verigen.export.writer import MARKER

SHARD_BYTES = 500 * 2**20
"""Target Parquet shard size: the Hub's viewer and ``load_dataset`` stream shards this big."""


def push_to_hub(
    export_dir: Path,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    endpoint: str | None = None,
) -> str:
    """Upload ``export_dir`` (as written by ``writer.export``); returns the commit's URL."""
    record_path = export_dir / MARKER
    if not record_path.is_file():
        raise InputError(f"{export_dir}: not a verigen export (no {MARKER}); run verigen export")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    dataset = load_from_disk(str(export_dir))
    if not isinstance(dataset, Dataset):
        raise InputError(f"{export_dir}: expected one dataset, found splits {list(dataset)}")
    api = HfApi(endpoint=endpoint, token=token)
    try:
        with tempfile.TemporaryDirectory(prefix="verigen-push-") as tmp:
            api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            existing = _existing_card(api, repo_id, Path(tmp) / "card")
            card = build_card(record, record["format"], record["rows"], existing)
            shards = _write_shards(dataset, Path(tmp))
            ops: list[CommitOperationAdd | CommitOperationDelete] = [
                CommitOperationAdd(f"data/{path.name}", str(path)) for path in shards
            ]
            ops += _stale_shards(api, repo_id, {f"data/{path.name}" for path in shards})
            ops.append(CommitOperationAdd("README.md", str(card).encode()))
            ops += [
                CommitOperationAdd(f"plots/{png.name}", str(png))
                for png in sorted((export_dir / "plots").glob("*.png"))
            ]
            info = api.create_commit(
                repo_id,
                ops,
                repo_type="dataset",
                commit_message=f"verigen export: {record['rows']} {record['format']} rows",
            )
    except HfHubHTTPError as exc:  # the Hub answered, and refused
        raise InfraError(f"push to {repo_id} failed: {exc}") from None
    except (httpx.TransportError, LocalEntryNotFoundError) as exc:  # the Hub did not answer
        raise InfraError(
            f"push to {repo_id} failed: cannot reach {api.endpoint} ({type(exc).__name__}: {exc})"
        ) from None
    return str(info.commit_url)


def _existing_card(api: HfApi, repo_id: str, into: Path) -> DatasetCard | None:
    """The repo's current card, downloaded into ``into`` (not the user's Hub cache)."""
    try:
        path = api.hf_hub_download(repo_id, "README.md", repo_type="dataset", local_dir=into)
    except LocalEntryNotFoundError:  # a subclass of the one below, raised when offline: no
        raise  # answer is not "no card", and pushing on would replace the card the repo has
    except EntryNotFoundError:
        return None
    card: DatasetCard = DatasetCard.load(str(path))
    return card


def _write_shards(dataset: Dataset, into: Path) -> list[Path]:
    count = max(1, math.ceil(dataset.data.nbytes / SHARD_BYTES))
    paths = []
    for index in range(count):
        path = into / f"train-{index:05d}-of-{count:05d}.parquet"
        dataset.shard(count, index, contiguous=True).to_parquet(str(path))
        paths.append(path)
    return paths


def _stale_shards(api: HfApi, repo_id: str, keep: set[str]) -> list[CommitOperationDelete]:
    files = api.list_repo_files(repo_id, repo_type="dataset")
    return [
        CommitOperationDelete(name)
        for name in files
        if name.startswith("data/train-") and name not in keep
    ]
