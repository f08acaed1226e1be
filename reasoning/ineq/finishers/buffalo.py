"""Buffalo Way finisher: for every ordering of the (nonnegative) variables, the difference substitution
x_(1) = t1, x_(2) = t1 + t2, ... must leave only nonnegative coefficients.

>>> from fractions import Fraction
>>> from reasoning.ineq.finishers.common import Goal
>>> g = Goal(("a", "b"), ("positive", "positive"), {(2, 0): Fraction(1), (1, 1): Fraction(-2), (0, 2): Fraction(1)})
>>> buffalo_certificate(g)
{'buffalo': True, 'equality_multipliers': []}
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

from reasoning.ineq.finishers.common import DeadlineReached, Goal, PolyDict, add, mul, power

MAX_VARS = 4
MAX_DEGREE = 16


def _substituted(poly: PolyDict, order: tuple[int, ...], n: int) -> PolyDict:
    # variable order[k] becomes t_0 + ... + t_k
    sums = {}
    for k, i in enumerate(order):
        sums[i] = {tuple(int(j == r) for j in range(n)): Fraction(1) for r in range(k + 1)}
    out: PolyDict = {}
    for m, c in poly.items():
        term: PolyDict = {(0,) * n: c}
        for i, e in enumerate(m):
            if e:
                term = mul(term, power(sums[i], e, n))
        out = add(out, term)
    return out


def buffalo_applicable(goal: Goal) -> bool:
    """Whether the finisher runs on goal at all (the search lists it only then)."""
    return not (goal.strict or goal.equalities or not all(goal.nonneg) or goal.nvars > MAX_VARS
                or max(map(sum, goal.poly), default=0) > MAX_DEGREE)


def buffalo_certificate(goal: Goal, deadline: float | None = None) -> dict | None:
    """Proof dict if every ordering's difference substitution has nonnegative coefficients, else None."""
    if not buffalo_applicable(goal):
        return None
    seen: set = set()
    for order in itertools.permutations(range(goal.nvars)):
        image = tuple(sorted((tuple(m[i] for i in order), c) for m, c in goal.poly.items()))
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineReached
        if image in seen:  # same polynomial up to renaming: same substitution result
            continue
        seen.add(image)
        if any(c < 0 for c in _substituted(goal.poly, order, goal.nvars).values()):
            return None
    return {"buffalo": True, "equality_multipliers": []}
