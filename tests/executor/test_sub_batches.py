"""How ``verigen verify --executor ray`` cuts a shard into the sub-batches it sends to the nodes:
every row once, in order; full sub-batches while much is left; single rows at the very end."""

from __future__ import annotations

import pytest

from tests.parts import require

require("ray", module=True)

from verigen.executor.ray_rows import sub_batches  # noqa: E402  (needs Ray)


@pytest.mark.parametrize(
    ("first", "rows", "total", "slots", "most"),
    [(0, 328, 328, 4, 16), (0, 1000, 5000, 4, 16), (4000, 1000, 5000, 4, 16),
     (0, 41, 328, 4, 16), (287, 41, 328, 4, 16), (0, 7, 7, 64, 16), (0, 1000, 10**6, 3200, 16)],
)  # fmt: skip
def test_sub_batches_cover_the_shard_once_in_order_and_never_exceed_the_cap(
    first: int, rows: int, total: int, slots: int, most: int
) -> None:
    cuts = sub_batches(first, rows, total, slots, most)
    assert [at for at, _ in cuts] == [sum(size for _, size in cuts[:i]) for i in range(len(cuts))]
    assert sum(size for _, size in cuts) == rows
    assert all(1 <= size <= most for _, size in cuts)


def test_sub_batches_are_full_far_from_the_end_and_single_rows_at_it() -> None:
    far = sub_batches(0, 1000, 100_000, slots=4, most=16)
    assert {size for _, size in far} == {16} | ({1000 % 16} - {0})
    end = sub_batches(0, 328, 328, slots=4, most=16)
    sizes = [size for _, size in end]
    assert sizes[0] == 16 and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True), "sub-batches only shrink towards the end"
    assert sum(size == 1 for size in sizes) < 2 * 4 * 4, "single rows only in the last 8 per slot"
