"""Near-duplicate throughput of curation at 100k rows: ``python bench/curate.py [--rows N]``.

Builds N synthetic problem statements (about 30 words from a 5,000-word vocabulary of letters, so
unrelated rows share some words as real problems do), of which ~10% are light edits of an
earlier row (one word replaced, or one word dropped). Times ``NearDupIndex.add`` over all of
them (normalise, exact hash, MinHash, LSH query, rapidfuzz confirmation, insert) and prints
rows/s (wall clock, and per CPU-second, which is steadier on a shared machine) and how many
near and exact duplicates were found. Single process, default options.
"""

from __future__ import annotations

import argparse
import random
import time

from verigen.curate.dedup import DedupOptions, NearDupIndex


def statements(rows: int, seed: int = 0) -> tuple[list[str], int]:
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pu"]
    vocab = [  # letters only: digits would make every edit change "the numbers" of a problem
        syllables[i // 1000]
        + syllables[i // 100 % 10]
        + syllables[i // 10 % 10]
        + syllables[i % 10]
        for i in range(5_000)
    ]
    out: list[str] = []
    edits = 0
    for _ in range(rows):
        if out and rng.random() < 0.1:
            words = rng.choice(out).split()
            position = rng.randrange(len(words))
            if rng.random() < 0.5:
                words[position] = rng.choice(vocab)
            else:
                del words[position]
            edits += 1
        else:
            words = rng.choices(vocab, k=rng.randint(25, 35))
        out.append(" ".join(words))
    return out, edits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    texts, edits = statements(args.rows)
    index = NearDupIndex(DedupOptions())
    kinds = {"exact": 0, "near": 0}
    started, cpu = time.perf_counter(), time.process_time()
    for i, text in enumerate(texts):
        match = index.add(str(i), text)
        if match is not None:
            kinds[match.kind] += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"near-dup: {args.rows} rows in {seconds:.1f} s = {args.rows / seconds:,.0f} rows/s")
    print(f"  per CPU-second (what a busy shared machine hides): {args.rows / cpu:,.0f} rows/s")
    print(f"  planted edits {edits}; found near {kinds['near']}, exact {kinds['exact']}")


if __name__ == "__main__":
    main()
