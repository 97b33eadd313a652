"""Config validation at the edge: one line naming the key, the value and where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from verigen.config import load_config
from verigen.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
name: t
run_dir: {run_dir}
problems:
  topics: [addition]
  per_topic: 2
  writer: {{models: [openai/fake]}}
solver:
  models: [openai/fake]
  samples: 3
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "configs").glob("*.yaml")))
def test_shipped_example_configs_validate(name: str) -> None:
    cfg = load_config(REPO / "configs" / name)
    assert cfg.problems.topics or cfg.problems.taxonomy
    assert cfg.problems.taxonomy is None or (REPO / cfg.problems.taxonomy).is_file()
    assert cfg.solver.models


def test_overrides_are_typed_and_change_the_fingerprint(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.format(run_dir=tmp_path / "r"))
    base = load_config(path)
    hotter = load_config(path, ["solver.temperature=1.3", "llm.max_cost_usd=0.5"])
    assert hotter.solver.temperature == 1.3 and hotter.llm.max_cost_usd == 0.5
    assert hotter.fingerprint() != base.fingerprint()
    assert load_config(path, ["llm.max_concurrency=3"]).fingerprint() == base.fingerprint()


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (("samples: 3", "samples: lots"), r"c\.yaml:9: solver\.samples: .*integer.*'lots'"),
        (("samples: 3", "samples: 0"), r"c\.yaml:9: solver\.samples: .*greater than or equal"),
        (("per_topic: 2", "per_topic: 2\n  colour: red"), r"c\.yaml:6: problems\.colour: Extra"),
        (
            ("  topics: [addition]\n", ""),
            r"c\.yaml:3: problems: .*set problems\.topics or .*taxonomy$",
        ),
    ],
)
def test_bad_values_name_key_value_and_line(
    tmp_path: Path, edit: tuple[str, str], pattern: str
) -> None:
    path = _write(tmp_path, GOOD.format(run_dir=tmp_path / "r").replace(*edit))
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(path)
    assert "\n" not in str(info.value)


def test_bad_override_is_blamed_on_the_flag(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.format(run_dir=tmp_path / "r"))
    with pytest.raises(ConfigError, match=r"^--set: solver\.temperature: .*'hot'"):
        load_config(path, ["solver.temperature=hot"])


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("solver: [unclosed", r"c\.yaml:1: not valid YAML"), ("- a\n- b\n", "top level")],
)
def test_unparseable_files(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        load_config(_write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
