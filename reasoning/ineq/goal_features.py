"""Cheap features of a finisher's goal polynomial and of a search state, for ranking actions (never for deciding
anything).

`goal_features` describe what the AM-GM / Schur LP and the SOS finisher can use: how many of the negative terms lie
in the convex hull of the usable positive terms (an AM-GM certificate needs every one of them there), how many positive
terms a real-domain goal cannot use (odd powers of real variables), whether the goal is cyclic but not symmetric,
whether it is tight at (1, ..., 1), and its sign at a grid of small-integer points (`special_point_features`).
`statement_features` describe the state's own goal expression and constraints, so they exist for radical and
fractional goals too.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy as sp

from reasoning.ineq.finishers.amgm_lp import _even_ok
from reasoning.ineq.finishers.common import Goal, PolyDict
from reasoning.ineq.numeric import term_values
from reasoning.ineq.transforms import State

HULL_LIMIT = 40  # negative terms checked for hull membership (a sample of them beyond this)


def _in_hull(points: np.ndarray, target: np.ndarray) -> bool:
    from scipy.optimize import linprog

    k = points.shape[0]
    A = np.vstack([points.T, np.ones((1, k))])
    b = np.concatenate([target, [1.0]])
    res = linprog(np.zeros(k), A_eq=A, b_eq=b, bounds=[(0, None)] * k, method="highs")
    return res.status == 0


def _small_cover(points: np.ndarray, target: np.ndarray) -> bool:
    """target is a convex combination of at most 3 of the points (what the LP's AM-GM columns offer)."""
    k = points.shape[0]
    if any(np.array_equal(p, target) for p in points):
        return True
    for size in (2, 3):
        if size == 3 and k > 24:
            break
        combos = np.array(list(itertools.combinations(range(k), size)))
        if not len(combos):
            continue
        A = np.concatenate([points[combos].transpose(0, 2, 1), np.ones((len(combos), 1, size))], axis=1)
        b = np.concatenate([target, [1.0]])
        w = np.einsum("cij,j->ci", np.linalg.pinv(A), b)
        ok = (w >= -1e-9).all(axis=1) & (np.abs(np.einsum("cij,cj->ci", A, w) - b).max(axis=1) < 1e-9)
        if ok.any():
            return True
    return False


SPECIAL_VALUES = {True: (0.0, 1.0, 2.0), False: (-1.0, 0.0, 1.0, 2.0)}  # per variable: nonnegative or real
SPECIAL_LIMIT = 1024  # grid points evaluated (an even sample of the grid beyond this)


def _special_points(nonneg: tuple[bool, ...]) -> np.ndarray:
    """The grid of `SPECIAL_VALUES` of each variable, less the points with all coordinates equal; cached."""
    if nonneg not in _SPECIAL_CACHE:
        grid = np.array(list(itertools.product(*(SPECIAL_VALUES[bool(k)] for k in nonneg))), dtype=float)
        grid = grid[(grid != grid[:, :1]).any(axis=1)] if len(nonneg) > 1 else grid[grid[:, 0] != 0]
        step = max(1, len(grid) // SPECIAL_LIMIT)
        _SPECIAL_CACHE[nonneg] = grid[::step]
    return _SPECIAL_CACHE[nonneg]


_SPECIAL_CACHE: dict[tuple[bool, ...], np.ndarray] = {}


def special_point_features(poly: PolyDict, nonneg: tuple[bool, ...]) -> dict[str, float]:
    """The goal's value at small-integer points off the diagonal, relative to the size of its terms there, the
    constraints ignored: `min_special` the lowest (clipped to [-1, 1]), `tight_special` whether it is 0 at some of
    them. Where they differ from (1, ..., 1) the equality cases and failures say which finisher can work: a goal
    negative at (1, 0, 0) holds only through its constraints (Schur-type cubics of triangle sides need Ravi's
    substitution first), and one tight at (1, 1, 0) has no AM-GM certificate with slack there."""
    pts = _special_points(nonneg)
    if not poly or not len(pts):
        return {"min_special": 1.0, "tight_special": 0.0}
    terms = term_values(poly, pts)
    size = np.abs(terms).sum(axis=1)
    used = size > 0
    if not used.any():
        return {"min_special": 1.0, "tight_special": 0.0}
    ratio = terms.sum(axis=1)[used] / size[used]
    return {"min_special": float(np.clip(ratio.min(), -1.0, 1.0)),
            "tight_special": float((np.abs(ratio) < 1e-12).any())}


def _shift(m: tuple, k: int) -> tuple:
    return m[k:] + m[:k]


def goal_features(poly: PolyDict, nonneg: tuple[bool, ...]) -> dict[str, float]:
    pos = [m for m, c in poly.items() if c > 0]
    neg = [m for m, c in poly.items() if c < 0]
    usable = [m for m in pos if _even_ok(m, nonneg)]
    f = {"odd_pos": (len(pos) - len(usable)) / max(len(pos), 1),
         "neg_terms": math.log1p(len(neg))}
    if neg and usable:
        pts = np.array(usable, dtype=float)
        step = max(1, len(neg) // HULL_LIMIT)
        checked = sorted(neg)[::step]
        # a convex combination of at most 3 points lies in the hull: the LP (a millisecond or two each, most of the
        # features' cost on easy goals) runs only for the terms that the cheap check leaves open
        small = [_small_cover(pts, np.array(t, dtype=float)) for t in checked]
        in_hull = [s or _in_hull(pts, np.array(t, dtype=float)) for s, t in zip(small, checked)]
        f["hull_cover"] = sum(in_hull) / len(checked)
        f["small_cover"] = sum(small) / len(checked)
    else:
        f["hull_cover"] = f["small_cover"] = 1.0 if not neg else 0.0
    total = sum(abs(float(c)) for c in poly.values()) or 1.0
    f["tight_center"] = float(abs(sum(float(c) for c in poly.values())) / total < 1e-12)
    n = len(nonneg)
    cyclic = n >= 3 and all(poly.get(_shift(m, 1)) == c for m, c in poly.items())
    swapped = {tuple([m[1], m[0], *m[2:]]): c for m, c in poly.items()} if n >= 2 else poly
    f["cyclic_only"] = float(cyclic and swapped != poly)
    f.update(special_point_features(poly, nonneg))
    return f


def prefixed(prefix: str, goal: Goal | None) -> dict[str, float]:
    if goal is None:
        return {}
    return {f"{prefix}{k}": v for k, v in goal_features(goal.poly, goal.nonneg).items()}


def statement_features(state: State) -> dict[str, float]:
    """The equality constraints' degree, homogeneity and size, and the goal expression's radicals, fractions and
    size. (Added after replays showed held-out problems whose right first step depends on the kind of constraint
    or on the radical form, which the polynomial features cannot see: `benchmarks/policy_replay.py`.)"""
    symbols = list(state.symbols.values())
    polys = []
    for e in state.equalities:
        try:
            polys.append(sp.Poly(sp.expand(e), *symbols))
        except sp.PolynomialError:  # a constraint with a radical in it
            continue
    powers = [e for e in sp.preorder_traversal(state.expr) if e.is_Pow]
    return {"eq_degree": max((p.total_degree() for p in polys), default=0) / 4,
            "eq_homogeneous": float(bool(polys) and all(p.is_homogeneous for p in polys)),
            "eq_terms": math.log1p(sum(len(p.terms()) for p in polys)),
            "n_radicals": math.log1p(sum(1 for e in powers if e.exp.is_Rational and not e.exp.is_Integer)),
            "n_fractions": math.log1p(sum(1 for e in powers if e.exp.is_negative)),
            "expr_ops": math.log1p(sp.count_ops(state.expr))}
