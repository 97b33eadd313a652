"""The public surface stays what the docs promise: complete, importable, cheap to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import verigen
from verigen.errors import ConfigError


def test_every_public_name_resolves() -> None:
    for name in verigen.__all__:
        assert getattr(verigen, name) is not None, name


def test_the_surface_is_exactly_the_documented_one() -> None:
    assert set(verigen.__all__) == {
        "Attempt", "CodeOptions", "CodeVerifier", "Domain", "MathOptions", "MathVerifier",
        "Outcome", "Problem", "Provenance", "RunConfig", "Usage", "Verdict", "VerigenError",
        "__version__", "generate", "load_config",
    }  # fmt: skip


def test_importing_verigen_loads_neither_litellm_nor_sympy_nor_the_sandbox() -> None:
    code = (
        "import sys, verigen; "
        "print(sorted(m for m in ('litellm', 'sympy', 'verigen.sandbox', 'datasets') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_generate_stays_callable_after_its_namesake_package_is_imported(tmp_path: Path) -> None:
    import verigen.generate.propose  # sets the attribute verigen.generate to the package

    assert callable(verigen.generate)
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError, match="config file not found") as caught:
        verigen.generate(missing)
    assert str(missing) in str(caught.value) and "\n" not in str(caught.value)
