"""Exact and near-duplicate removal over problems and over solutions, across all rounds.

Exact duplicates share the hash of their normalised text (case, Unicode form, punctuation and
spacing ignored). Near duplicates of problems are proposed by MinHash LSH over character
shingles (``datasketch``) and confirmed by an exact similarity (``rapidfuzz``'s normalised Indel
ratio) on texts that contain the same numbers: LSH is approximate in both directions
(datasketch#105), so it only proposes, never decides.

The problem index is streaming and keeps the first of each group: problems are added in
priority order (earliest round first), and each is compared only with those already kept. A
later round's near-copy of an earlier round's problem is therefore the one removed, and a chain
of small edits cannot walk a cluster away from its first member. Solutions are then compared
within their problem (a problem has only its k samples, so pairwise comparison is cheap).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

from verigen.curate.samples import Removal, Sample

_NON_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")
_MULTIPLIERS = np.random.default_rng(20240601).integers(1, 2**63, size=64, dtype=np.uint64) | 1


@dataclass(frozen=True)
class DedupOptions:
    """Thresholds of the near-duplicate test; the exact test has none."""

    near_dup_threshold: float = 0.9
    """Confirmed similarity (rapidfuzz ratio, 0–1) at or above which two texts are near
    duplicates. Lower removes more paraphrases and risks removing distinct problems that share
    a template and differ in a word or two."""

    lsh_threshold: float = 0.5
    """Estimated shingle Jaccard at which LSH proposes a candidate. Lower finds more candidates
    (better recall, more exact comparisons); it must stay below what ``near_dup_threshold``
    implies, since a one-word edit lowers Jaccard far more than it lowers the ratio."""

    shingle_chars: int = 5
    num_perm: int = 128
    """MinHash permutations: more is a better Jaccard estimate and slower hashing."""

    near: bool = True
    """Off: exact duplicates only."""

    numbers_must_match: bool = True
    """A near duplicate must contain the same numbers in the same order. "Find 17% of 240"
    and "Find 17% of 250" are 0.97 similar but different problems (and different answers);
    a light edit of a copied problem keeps its numbers."""

    def __post_init__(self) -> None:
        if not 0.0 < self.near_dup_threshold <= 1.0 or not 0.0 < self.lsh_threshold <= 1.0:
            raise ValueError("thresholds must be in (0, 1]")
        if not 1 <= self.shingle_chars <= 64 or self.num_perm < 16:
            raise ValueError("shingle_chars must be in [1, 64] and num_perm >= 16")


@dataclass(frozen=True, slots=True)
class Match:
    """What an added text duplicated: the kept key, exact or near, and the confirmed score."""

    of: str
    kind: str
    similarity: float


def shingle_hashes(norm: str, k: int) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """32-bit hashes of the distinct k-character shingles of ``norm``, computed in numpy.

    A polynomial over the code points with fixed odd 64-bit multipliers, keeping the high 32
    bits: deterministic across processes (unlike ``hash``), and vectorised, since hashing each
    shingle in Python was most of the dedup time. datasketch mixes these values again
    (``affine32``) before permuting them.
    """
    codes = np.frombuffer((norm or " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(k, len(codes))
    windows = np.lib.stride_tricks.sliding_window_view(codes, width)
    mixed = (windows * _MULTIPLIERS[:width]).sum(axis=1, dtype=np.uint64)
    return np.unique(mixed >> np.uint64(32))


def normalise(text: str) -> str:
    """The form both tests compare: NFKC, case-folded, runs of non-letters as one space."""
    return " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


class NearDupIndex:
    """Streaming duplicate detector: ``add`` returns what a text duplicates, or keeps it."""

    def __init__(self, options: DedupOptions | None = None) -> None:
        self.options = options or DedupOptions()
        self._exact: dict[str, str] = {}
        self._texts: dict[str, tuple[str, list[str]]] = {}
        self._lsh = MinHashLSH(threshold=self.options.lsh_threshold, num_perm=self.options.num_perm)
        self._template = MinHash(num_perm=self.options.num_perm, hashfunc=int)

    def add(self, key: str, text: str) -> Match | None:
        """None (and ``key`` is kept) unless ``text`` duplicates a kept text."""
        norm = normalise(text)
        digest = hashlib.blake2b(norm.encode(), digest_size=16).hexdigest()
        if digest in self._exact:
            return Match(self._exact[digest], "exact", 1.0)
        minhash = self._minhash(norm) if self.options.near else None
        if minhash is not None:
            match = self._near(norm, minhash)
            if match is not None:
                return match
            self._lsh.insert(key, minhash)
            self._texts[key] = (norm, _NUMBER.findall(norm))
        self._exact[digest] = key
        return None

    def _minhash(self, norm: str) -> MinHash:
        minhash = MinHash(
            num_perm=self.options.num_perm,
            hashfunc=int,
            permutations=self._template.permutations,
            scheme=self._template.scheme,
        )
        minhash.update_batch(shingle_hashes(norm, self.options.shingle_chars).tolist())
        return minhash

    def _near(self, norm: str, minhash: MinHash) -> Match | None:
        cutoff = self.options.near_dup_threshold * 100
        numbers = _NUMBER.findall(norm)
        best: Match | None = None
        for key in self._lsh.query(minhash):
            other, other_numbers = self._texts[key]
            if self.options.numbers_must_match and numbers != other_numbers:
                continue
            score = fuzz.ratio(norm, other, score_cutoff=cutoff) / 100
            if score and (best is None or score > best.similarity):
                best = Match(key, "near", round(score, 4))
        return best


def dedup(
    samples: Iterable[Sample], options: DedupOptions | None = None
) -> tuple[list[Sample], list[Removal]]:
    """Remove duplicate problems (with all their samples), then duplicate solutions.

    Problems are taken earliest round first, then by id; a duplicate problem loses all its
    samples. Solutions are compared within their problem: once duplicate problems are gone, the
    same short text answering two different problems ("\\boxed{10}") is two distinct samples.
    """
    opts = options or DedupOptions()
    by_problem: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_problem[sample.problem.id].append(sample)
    order = sorted(
        by_problem.values(), key=lambda g: (g[0].problem.provenance.round, g[0].problem.id)
    )
    problems = NearDupIndex(opts)
    kept: list[Sample] = []
    removed: list[Removal] = []
    for group in order:
        match = problems.add(group[0].problem.id, group[0].problem.statement)
        if match is None:
            unique, gone = _unique_solutions(sorted(group, key=_solution_order), opts)
            kept += unique
            removed += gone
        else:
            removed += [_removal(s, "problem", match) for s in group]
    return kept, removed


def _unique_solutions(
    group: list[Sample], opts: DedupOptions
) -> tuple[list[Sample], list[Removal]]:
    """Pairwise within one problem: its k samples are few, so no LSH is needed."""
    seen: dict[str, str] = {}
    kept: list[tuple[Sample, str]] = []
    removed: list[Removal] = []
    cutoff = opts.near_dup_threshold * 100
    for sample in group:
        norm = normalise(sample.attempt.completion)
        match = Match(seen[norm], "exact", 1.0) if norm in seen else None
        if match is None and opts.near:
            scores = [
                (fuzz.ratio(norm, other, score_cutoff=cutoff), s)
                for s, other in kept
                if _numbers_agree(norm, other, opts)
            ]
            best = max(scores, key=lambda pair: pair[0], default=(0.0, None))
            if best[1] is not None and best[0]:
                match = Match(best[1].id, "near", round(best[0] / 100, 4))
        if match is None:
            seen[norm] = sample.id
            kept.append((sample, norm))
        else:
            removed.append(_removal(sample, "solution", match))
    return [s for s, _ in kept], removed


def _numbers_agree(a: str, b: str, opts: DedupOptions) -> bool:
    return not opts.numbers_must_match or _NUMBER.findall(a) == _NUMBER.findall(b)


def _solution_order(sample: Sample) -> tuple[int, str]:
    return (sample.attempt.provenance.round, sample.id)


def _removal(sample: Sample, what: str, match: Match) -> Removal:
    reason = f"{'duplicate' if match.kind == 'exact' else 'near_duplicate'}_{what}"
    return Removal(sample, "dedup", reason, {"of": match.of, "similarity": match.similarity})
