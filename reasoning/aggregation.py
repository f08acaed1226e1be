"""Aggregating samples: majority vote over equivalent answers, and the pass@k / maj@k estimators.

Votes group *equivalent* answers (1/2, 0.5 and \\frac{2}{4} are one vote): answers are first bucketed by the
verifiers' cheap canonical key, then buckets whose keys differ are merged when the verifiers judge them equivalent.
The pairwise work therefore grows with the number of distinct answers, not with the number of samples.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k) for c correct of n samples.

    >>> pass_at_k(4, 1, 1), pass_at_k(4, 1, 4), pass_at_k(4, 0, 2)
    (0.25, 1.0, 0.0)
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


@dataclass(frozen=True)
class Clusters:
    """Samples grouped into equivalence classes of answers; `label[i]` is sample i's class (None: no answer)."""

    label: tuple[int | None, ...]
    representative: tuple[str, ...]  # one answer text per class


def cluster_answers(
    answers: Sequence[str | None],
    *,
    key: Callable[[str], str],
    equivalent: Callable[[str, str], bool] | None = None,
) -> Clusters:
    """Group answers by `key`, then merge groups whose representatives are `equivalent`.

    >>> c = cluster_answers(["1/2", "0.5", None, "3"], key=str.strip, equivalent=lambda a, b: {a, b} == {"1/2", "0.5"})
    >>> c.label
    (0, 0, None, 1)
    """
    by_key: dict[str, int] = {}
    reps: list[str] = []
    raw_label: list[int | None] = []
    for answer in answers:
        if answer is None:
            raw_label.append(None)
            continue
        k = key(answer)
        if k not in by_key:
            by_key[k] = len(reps)
            reps.append(answer)
        raw_label.append(by_key[k])
    # Merge distinct keys pairwise (union-find); only representatives are compared.
    parent = list(range(len(reps)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if equivalent is not None:
        for i, j in itertools.combinations(range(len(reps)), 2):
            if find(i) != find(j) and equivalent(reps[i], reps[j]):
                parent[find(j)] = find(i)
    roots = sorted({find(i) for i in range(len(reps))})
    renumber = {root: n for n, root in enumerate(roots)}
    label = tuple(None if l is None else renumber[find(l)] for l in raw_label)
    return Clusters(label=label, representative=tuple(reps[r] for r in roots))


def majority(labels: Sequence[int | None]) -> int | None:
    """The most common class; ties go to the class seen first. None when no sample has an answer.

    >>> majority([1, 0, 0, 1, None]), majority([None])
    (1, None)
    """
    counts: dict[int, int] = {}
    for label in labels:
        if label is not None:
            counts[label] = counts.get(label, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    return next(l for l in labels if l is not None and counts[l] == best)


def maj_at_k(labels: Sequence[int | None], correct_classes: set[int], k: int, *, draws: int = 2000, seed: int = 0) -> float:
    """Expected correctness of a majority vote over k samples drawn without replacement from the n given.

    Exact enumeration when C(n, k) <= `draws`, otherwise a seeded Monte Carlo estimate with `draws` subsets.
    Ties among the top classes count fractionally (a uniformly random tie-break), so the estimate is order-free.

    >>> maj_at_k([0, 0, 1], {0}, 3), round(maj_at_k([0, 1], {0}, 1), 3)
    (1.0, 0.5)
    """
    n = len(labels)
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k} n={n}")

    def score(subset: Sequence[int | None]) -> float:
        counts: dict[int, int] = {}
        for label in subset:
            if label is not None:
                counts[label] = counts.get(label, 0) + 1
        if not counts:
            return 0.0
        best = max(counts.values())
        top = [label for label, count in counts.items() if count == best]
        return sum(label in correct_classes for label in top) / len(top)

    if comb(n, k) <= draws:
        subsets = list(itertools.combinations(labels, k))
        return sum(score(s) for s in subsets) / len(subsets)
    rng = random.Random(seed)
    return sum(score(rng.sample(list(labels), k)) for _ in range(draws)) / draws


def k_values(n: int) -> list[int]:
    """1, 2, 4, ... up to n, always ending with n.

    >>> k_values(8), k_values(6), k_values(1)
    ([1, 2, 4, 8], [1, 2, 4, 6], [1])
    """
    ks = [1]
    while ks[-1] * 2 < n:
        ks.append(ks[-1] * 2)
    if ks[-1] != n:
        ks.append(n)
    return ks
