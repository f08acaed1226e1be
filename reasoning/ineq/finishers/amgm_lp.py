"""Linear-programming finisher: the goal polynomial as a nonnegative combination of known-nonnegative pieces.

Pieces (columns): weighted AM-GM between monomials of the goal (pairs and triples of its positive terms around each
negative term; this subsumes Muirhead for these supports), Schur's inequality times monomials, squared differences
(x_i - x_j)**2 times monomials, monomials, monomials times inequality constraints, and free multiples of monomials
times equality constraints. HiGHS finds a vertex; the vertex is then recomputed exactly over the rationals, so the
certificate is exact (rounding is a fallback when the exact recomputation fails).
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

import numpy as np

from reasoning.ineq.finishers.common import (
    DeadlineReached, Exps, Goal, PolyDict, count_monomials, degree, is_homogeneous, mono_mult, monomials, mul,
    solve_exact,
)

MAX_COLUMNS = 6000
MAX_ROWS = 2000  # monomials up to the working degree; beyond this the LP is not attempted
MAX_STRUCTURED_ROWS = 500  # Schur/square/constraint columns only below this many monomials
# with inequality constraints the Handelman columns are the only way to use them: allow larger goals (IMO 2005 is
# degree 15 in three variables, 816 monomials, and needs g * monomial columns)
MAX_CONSTRAINED_STRUCTURED_ROWS = 1000
MAX_TRIPLE_POINTS = 24  # triples of positive terms are enumerated only below this many positive terms


def _even_ok(m: Exps, nonneg: tuple[bool, ...]) -> bool:
    return all(ok or e % 2 == 0 for e, ok in zip(m, nonneg))


def _barycentric(points: list[Exps], target: Exps) -> list[Fraction] | None:
    rows = [[Fraction(p[i]) for p in points] for i in range(len(target))] + [[Fraction(1)] * len(points)]
    rhs = [Fraction(t) for t in target] + [Fraction(1)]
    w = solve_exact(rows, rhs)
    if w is None or any(v < 0 for v in w):
        return None
    check = [sum(wi * p[i] for wi, p in zip(w, points)) for i in range(len(target))]
    return w if check == list(target) else None


def _amgm_columns(goal: Goal, cols: list, deadline: float | None = None) -> None:
    pos = [m for m, c in goal.poly.items() if c > 0 and _even_ok(m, goal.nonneg)]
    neg = [m for m, c in goal.poly.items() if c < 0]
    sizes = [2, 3] if len(pos) <= MAX_TRIPLE_POINTS else [2]
    points = np.array(pos, dtype=float).reshape(len(pos), goal.nvars)
    for target in neg:
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineReached
        for size in sizes:
            for combo in _candidate_combos(points, np.array(target, dtype=float), size):
                combo = [pos[i] for i in combo]
                w = _barycentric(combo, target)
                if w is None or any(v == 0 for v in w):
                    continue
                poly = {p: wi for p, wi in zip(combo, w)}
                poly[target] = poly.get(target, Fraction(0)) - 1
                term = {"kind": "amgm", "mult": {}, "points": [list(p) for p in combo],
                        "weights": [str(v) for v in w]}
                cols.append((term, poly, False))
                if len(cols) > MAX_COLUMNS:
                    return


def _candidate_combos(points: np.ndarray, target: np.ndarray, size: int) -> np.ndarray:
    """The combinations (index tuples, in `itertools.combinations` order) of `size` points that `_barycentric` may
    accept, found in floating point: target in their affine hull and, where the weights are unique, none of them
    negative. Only a prefilter: the exact solve decides, and it never accepts a combination dropped here (it took
    ~3 s per LP attempt over 2000 triples of a 24-term goal)."""
    combos = np.array(list(itertools.combinations(range(len(points)), size)), dtype=int).reshape(-1, size)
    if not len(combos):
        return combos
    pts = points[combos]  # (combos, size, nvars)
    outside = ((pts < target).all(axis=1) | (pts > target).all(axis=1)).any(axis=1)
    combos, pts = combos[~outside], pts[~outside]
    if not len(combos):
        return combos
    A = np.concatenate([pts.transpose(0, 2, 1), np.ones((len(combos), 1, size))], axis=1)  # (combos, nvars+1, size)
    b = np.append(target, 1.0)
    # one SVD per matrix gives both the least-squares weights (as pinv would) and the rank (as matrix_rank would)
    u, s, vt = np.linalg.svd(A, full_matrices=False)
    independent = s > s.max(axis=1, keepdims=True) * max(A.shape[1:]) * np.finfo(float).eps
    inv = np.where(independent, 1.0 / np.where(independent, s, 1.0), 0.0)
    w = np.einsum("cij,ci->cj", vt, inv * np.einsum("cmi,m->ci", u, b))
    consistent = np.abs(np.einsum("cij,cj->ci", A, w) - b).max(axis=1) < 1e-7
    unique = independent.sum(axis=1) == size
    return combos[consistent & ~(unique & (w < -1e-9).any(axis=1))]


def _mults(goal: Goal, deg: int, homogeneous: bool) -> list[Exps]:
    if deg < 0:
        return []
    ms = monomials(goal.nvars, deg, deg if homogeneous else 0)
    return [m for m in ms if _even_ok(m, goal.nonneg)]


def _var(goal: Goal, i: int) -> Exps:
    return tuple(int(j == i) for j in range(goal.nvars))


def _structured_columns(goal: Goal, cols: list, deg: int, homogeneous: bool) -> None:
    n, names = goal.nvars, goal.names
    nonneg_idx = [i for i in range(n) if goal.nonneg[i]]
    for triple in itertools.combinations(nonneg_idx, 3):
        for t in range(0, deg - 1):
            x, y, z = (_var(goal, i) for i in triple)
            schur: PolyDict = {}
            for p, q, r in ((x, y, z), (y, z, x), (z, x, y)):
                pt = tuple(t * e for e in p)
                diff = mul({p: Fraction(1), q: Fraction(-1)}, {p: Fraction(1), r: Fraction(-1)})
                for m, c in mul({pt: Fraction(1)}, diff).items():
                    schur[m] = schur.get(m, Fraction(0)) + c
            schur = {m: c for m, c in schur.items() if c}
            for m in _mults(goal, deg - t - 2, homogeneous):
                term = {"kind": "schur", "mult": mono_mult(m, names), "vars": [names[i] for i in triple], "t": t}
                cols.append((term, mul({m: Fraction(1)}, schur), False))
    for i, j in itertools.combinations(range(n), 2):
        sq = {tuple(2 * e for e in _var(goal, i)): Fraction(1), tuple(2 * e for e in _var(goal, j)): Fraction(1),
              tuple(a + b for a, b in zip(_var(goal, i), _var(goal, j))): Fraction(-2)}
        for m in _mults(goal, deg - 2, homogeneous):
            term = {"kind": "sq", "mult": mono_mult(m, names), "poly": f"{names[i]} - {names[j]}"}
            cols.append((term, mul({m: Fraction(1)}, sq), False))
    # Handelman-style products of up to three inequality constraints, times monomials
    for size in (1, 2, 3):
        for combo in itertools.combinations_with_replacement(range(len(goal.inequalities)), size):
            product: PolyDict = {(0,) * n: Fraction(1)}
            for k in combo:
                product = mul(product, goal.inequalities[k])
            atoms = {f"g{k}": combo.count(k) for k in set(combo)}
            for m in _mults(goal, deg - degree(product), False):
                term = {"kind": "mono", "mult": {**mono_mult(m, names), **atoms}}
                cols.append((term, mul({m: Fraction(1)}, product), False))


def _univariate_columns(goal: Goal, cols: list, deg: int) -> None:
    """x^p, x^q >= x^t for p < t < q: the one-variable AM-GM steps a non-homogeneous goal needs."""
    n = goal.nvars
    for i in range(n):
        unit = lambda e: tuple(e if j == i else 0 for j in range(n))
        for p, q in itertools.combinations(range(deg + 1), 2):
            if not goal.nonneg[i] and (p % 2 or q % 2):
                continue
            for t in range(p + 1, q):
                w = Fraction(q - t, q - p)  # weight of x^p
                poly = {unit(p): w, unit(q): 1 - w, unit(t): Fraction(-1)}
                term = {"kind": "amgm", "mult": {}, "points": [list(unit(p)), list(unit(q))],
                        "weights": [str(w), str(1 - w)]}
                cols.append((term, poly, False))


def _equality_columns(goal: Goal, cols: list, deg: int) -> None:
    for j, e in enumerate(goal.equalities):
        for m in monomials(goal.nvars, max(deg - degree(e), 0) + 1):
            cols.append(({"eq": j, "m": m}, mul({m: Fraction(1)}, e), True))


def _working_degree(goal: Goal, goal_degree: int | None = None) -> int:
    """The largest degree of the goal polynomial (goal_degree if given) and of its equalities."""
    return max([degree(goal.poly) if goal_degree is None else goal_degree] + [degree(e) for e in goal.equalities])


def _handelman_degree(goal: Goal) -> int:
    """The degree of the highest product of inequality constraints the LP offers (up to three, lowest degrees)."""
    return sum(sorted(degree(g) for g in goal.inequalities)[:3])


def lp_applicable(goal: Goal, goal_degree: int | None = None) -> bool:
    """Whether the finisher runs on goal at all; goal_degree stands for degree(goal.poly), e.g. that of M * goal."""
    return count_monomials(goal.nvars, _working_degree(goal, goal_degree)) <= MAX_ROWS


def lp_certificate(goal: Goal, deadline: float | None = None, use_structured: bool = True) -> dict | None:
    """Find terms (and equality multipliers) with goal.poly == sum of terms + sum h_j e_j; None if none found."""
    from scipy.optimize import linprog

    if not lp_applicable(goal):
        return None
    deg = _working_degree(goal)
    homogeneous = is_homogeneous(goal.poly) and not goal.equalities
    limit = MAX_CONSTRAINED_STRUCTURED_ROWS if goal.inequalities else MAX_STRUCTURED_ROWS
    if not homogeneous and goal.inequalities:
        # a product of constraints may exceed the goal's degree, its excess cancelled by monomials: on [0, 1]^3
        # 1 - a - b - c + ab + bc + ca = (1 - a)(1 - b)(1 - c) + abc
        lifted = max(deg, _handelman_degree(goal))
        if count_monomials(goal.nvars, lifted) <= limit:
            deg = lifted
    cols: list = []
    _amgm_columns(goal, cols, deadline)
    if use_structured and count_monomials(goal.nvars, deg) <= limit:
        _structured_columns(goal, cols, deg, homogeneous)
    if not homogeneous:
        _univariate_columns(goal, cols, deg)
    _equality_columns(goal, cols, deg)
    rows_set = set(goal.poly)
    for _, poly, _ in cols:
        rows_set.update(poly)
    for m in sorted(rows_set):
        if _even_ok(m, goal.nonneg):
            cols.append(({"kind": "mono", "mult": mono_mult(m, goal.names)}, {m: Fraction(1)}, False))
    if not cols or len(cols) > 4 * MAX_COLUMNS:
        return None
    rows = sorted(rows_set)
    index = {m: i for i, m in enumerate(rows)}
    A = np.zeros((len(rows), len(cols)))
    for j, (_, poly, _) in enumerate(cols):
        for m, c in poly.items():
            A[index[m], j] = float(c)
    b = np.array([float(goal.poly.get(m, 0)) for m in rows])
    bounds = [(None, None) if free else (0, None) for _, _, free in cols]
    cost = np.array([0.0 if free else 1.0 for _, _, free in cols])
    options = {}
    if deadline is not None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        options["time_limit"] = remaining
    res = linprog(cost, A_eq=A, b_eq=b, bounds=bounds, method="highs-ds", options=options)
    if res.status != 0:
        return None
    return _exact(goal, cols, rows, index, res.x)


def _exact(goal: Goal, cols: list, rows: list, index: dict, x: np.ndarray) -> dict | None:
    support = [j for j in range(len(cols)) if abs(x[j]) > 1e-10]
    matrix = [[Fraction(0)] * len(support) for _ in rows]
    for k, j in enumerate(support):
        for m, c in cols[j][1].items():
            matrix[index[m]][k] = c
    rhs = [goal.poly.get(m, Fraction(0)) for m in rows]
    used = [i for i, row in enumerate(matrix) if any(row) or rhs[i]]
    lam = solve_exact([matrix[i] for i in used], [rhs[i] for i in used])
    if lam is None or any(v < 0 for v, j in zip(lam, support) if not cols[j][2]):
        return None
    terms, multipliers = [], [dict() for _ in goal.equalities]
    for v, j in zip(lam, support):
        spec = cols[j][0]
        if cols[j][2]:
            multipliers[spec["eq"]][spec["m"]] = multipliers[spec["eq"]].get(spec["m"], Fraction(0)) + v
        elif v:
            terms.append({**spec, "c": str(v)})
    return {"terms": terms, "equality_multipliers": multipliers}
