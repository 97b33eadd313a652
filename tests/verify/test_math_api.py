"""The public surface of ``verigen.verify.math`` is exactly what others import."""

from __future__ import annotations

import subprocess
import sys

import verigen.verify.math as math_api


def test_exports_are_complete() -> None:
    assert sorted(math_api.__all__) == sorted(
        [
            "VERIFIER_VERSION",
            "Extraction",
            "MathOptions",
            "MathVerifier",
            "Vote",
            "check",
            "extract_answer",
        ]
    )
    for name in math_api.__all__:
        assert getattr(math_api, name) is not None


def test_import_is_cheap_and_side_effect_free() -> None:
    code = (
        "import sys, verigen.verify.math; "
        "print('sympy' in sys.modules, 'latex2sympy2_extended' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_options_are_hashable_and_frozen() -> None:
    opts = math_api.MathOptions()
    assert hash(opts) == hash(math_api.MathOptions())
    try:
        opts.timeout_s = 5  # type: ignore[misc]
    except AttributeError:
        return
    raise AssertionError("MathOptions must be frozen")
