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


def _math(tmp_path: Path, extra: str, solver: str = "[openai/a, openai/b]") -> Path:
    text = GOOD.format(run_dir=tmp_path / "r").replace(
        "[openai/fake]\n  samples", solver + "\n  samples"
    )
    return _write(tmp_path, text + extra)


def test_strict_is_the_default_and_fills_every_check_from_the_solver(tmp_path: Path) -> None:
    cfg = load_config(_math(tmp_path, ""))
    math = cfg.math
    assert cfg.precision == "strict" and math.fail_closed
    assert (math.min_share, math.min_votes, math.min_models) == (0.6, 2, 2)
    for role in (math.well_posed, math.rederive, math.program_check):
        assert role is not None and role.models == ["openai/a", "openai/b"]
    assert math.well_posed is not None and math.well_posed.temperature == 0.0
    single = load_config(_math(tmp_path, "", solver="[openai/a]"))
    assert single.math.min_models == 1, "two models are asked for only when there are two"


def test_off_is_the_plain_vote_and_yaml_off_means_off(tmp_path: Path) -> None:
    cfg = load_config(_math(tmp_path, "precision: off\n"))  # YAML reads a bare off as false
    assert cfg.precision == "off"
    math = cfg.math
    assert (math.min_share, math.min_votes, math.min_models, math.fail_closed) == (0.5, 2, 1, False)
    assert math.well_posed is None and math.rederive is None and math.program_check is None


def test_balanced_judges_without_a_sandbox_and_fails_open(tmp_path: Path) -> None:
    math = load_config(_math(tmp_path, "precision: balanced\n")).math
    assert math.well_posed is not None and math.rederive is not None
    assert math.program_check is None and not math.fail_closed and math.min_models == 1


def test_what_the_config_sets_wins_over_the_preset(tmp_path: Path) -> None:
    extra = (
        "math:\n  min_share: 0.9\n  program_check: false\n  well_posed: {models: [openai/judge]}\n"
    )
    math = load_config(_math(tmp_path, extra)).math
    assert math.min_share == 0.9 and math.program_check is None and math.min_models == 2
    assert math.well_posed is not None and math.well_posed.models == ["openai/judge"]
    turned_on = load_config(_math(tmp_path, "precision: off\nmath: {rederive: true}\n")).math
    assert turned_on.rederive is not None and turned_on.rederive.models == ["openai/a", "openai/b"]


def test_the_policy_is_part_of_the_verdict_key(tmp_path: Path) -> None:
    from verigen.pipeline.verifying import verifier_key

    keys = {
        verifier_key(load_config(_math(tmp_path, f"precision: {p}\n")))
        for p in ("strict", "balanced", "off")
    }
    assert len(keys) == 3, "changing the policy must re-judge the journal's attempts"


def test_code_enumeration_reaches_the_verifier_and_its_verdict_key(tmp_path: Path) -> None:
    from verigen.pipeline.verifying import verifier_key, verify_settings

    code = GOOD.format(run_dir=tmp_path) + "code: {enumerate_up_to: 0}\n"
    code = code.replace("problems:\n", "problems:\n  domain: code\n")
    off = load_config(_write(tmp_path, code))
    on = load_config(_write(tmp_path, code.replace("enumerate_up_to: 0", "enumerate_up_to: 64")))
    assert verify_settings(off).code.enumerate_up_to == 0
    assert verify_settings(on).code.enumerate_up_to == 64
    assert verifier_key(off) != verifier_key(on), "it decides verdicts: a change re-judges"
    with pytest.raises(ConfigError, match="enumerate_up_to"):
        load_config(_write(tmp_path, code.replace("enumerate_up_to: 0", "enumerate_up_to: -1")))


def test_a_new_reading_of_the_judges_replies_is_part_of_the_verdict_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The well-posedness replies are cached, their reading is code: a journal judged under an
    older reading must be judged again (from the cache), not reused."""
    from verigen.generate import well_posed
    from verigen.pipeline.verifying import verifier_key

    strict, off = (load_config(_math(tmp_path, f"precision: {p}\n")) for p in ("strict", "off"))
    before = verifier_key(strict), verifier_key(off)
    monkeypatch.setattr(well_posed, "READING_VERSION", well_posed.READING_VERSION + "-next")
    assert verifier_key(strict) != before[0]
    assert verifier_key(off) == before[1], "no judge asked, nothing to judge again"


@pytest.mark.parametrize(
    ("extra", "solver", "pattern"),
    [
        ("precision: medium\n", None, r"c\.yaml:10: precision: .*'strict', 'balanced' or 'off'"),
        (
            "math: {min_models: 2}\n",
            "[openai/a]",
            r"c\.yaml:10: math: .*min_models is 2 but the solver has 1 model",
        ),
        ("math: {min_models: 0}\n", None, r"c\.yaml:10: math\.min_models: .*greater than or equal"),
        (
            "math: {well_posed: {temperature: 0}}\n",
            None,
            r"c\.yaml:10: math\.well_posed\.models: Field required",
        ),
    ],
)
def test_bad_policy_settings_are_one_line(
    tmp_path: Path, extra: str, solver: str | None, pattern: str
) -> None:
    path = _math(tmp_path, extra, **({"solver": solver} if solver else {}))
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(path)
    assert "\n" not in str(info.value)
