"""A worker's result arriving after its awaiting task was cancelled is nobody's: the run's loop
drops asyncio's ``InvalidStateError`` from future chaining, and nothing else."""

from __future__ import annotations

import asyncio
import logging

import pytest

from verigen.pipeline import drop_late_results


class _Handle:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<Handle {self.name}.<locals>._set_state(<Future cancelled>, ...)>"


@pytest.mark.parametrize(
    ("exception", "handle", "printed"),
    [
        (asyncio.InvalidStateError("invalid state"), _Handle("_chain_future"), False),
        (asyncio.InvalidStateError("invalid state"), _Handle("my_callback"), True),
        (RuntimeError("boom"), _Handle("_chain_future"), True),
    ],
)
def test_only_a_late_result_of_a_chained_future_is_dropped(
    exception: BaseException, handle: _Handle, printed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            context = {"message": "Exception in callback", "exception": exception, "handle": handle}
            drop_late_results(loop, context)
    finally:
        loop.close()
    assert bool(caplog.records) is printed
