"""Sum-of-squares finisher by semidefinite programming, with an exact rational certificate.

goal = sum_b m_b * p_b^T Q_b p_b + sum_g c_g x^g + sum_j h_j e_j, where m_b ranges over 1 and products of one to
three nonnegative variables, p_b is a vector of polynomials, Q_b is PSD. Steps:

0. Newton polytope: without equalities, a basis monomial u of block m is kept only if m + 2u lies in the Newton
   polytope of the goal (no other monomial can occur in any certificate; keeping them kills the interior);
1. facial reduction: rational zeros z of the goal (0/1 and ±1 patterns) force Q_b u_b(z) = 0, so p_b is taken as a
   rational basis of polynomials vanishing at those zeros (otherwise the Gram matrix has no interior and rounding
   cannot succeed); with equalities, zeros with coordinates sqrt(2) count too, each with its conjugate;
2. solve the SDP numerically (cvxpy + Clarabel), maximising the smallest eigenvalue;
3. round Q_b to rationals, project exactly onto the affine space of the identity (least-norm correction), and
   accept only if an exact LDL^T factorisation has nonnegative pivots. Each pivot d gives a term d*m_b*(row·p_b)^2.
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

import numpy as np

from reasoning.ineq.finishers.common import (
    DeadlineReached, Exps, Goal, PolyDict, add, count_monomials, degree, is_homogeneous, mono_mult, monomials, mul,
    poly_str,
)

MAX_GRAM_ENTRIES = 1500  # unknowns in the SDP; larger goals are left to other finishers
ROUNDINGS = (10**6, 10**9, 10**4)
# SCS, the fallback solver, gets at most this long per solve: it converges in under 2 s where it helps (Poland 1991,
# USAMO 2001), and where it does not it ran until the search's deadline (prod1_sqrt_sum's sos_dsq: 52 s of a 60 s
# limit, taking the time the proof found by the other actions needed)
SCS_TIME_LIMIT = 5.0
FACIAL_ROUNDS = 3  # SDP solves per attempt: the first, then after dropping basis elements with a ~0 diagonal


def _value(p: PolyDict, z: tuple[int, ...]) -> Fraction:
    """p at the integer point z, exactly (integer powers; a monomial through a zero coordinate is skipped: a
    degree-12 goal times its multiplier has thousands of terms, and Fraction powers of each took 45 s over 3^7
    points)."""
    total = Fraction(0)
    for m, c in p.items():
        term = 1
        for x, e in zip(z, m):
            if e:
                term *= x**e
                if not term:
                    break
        if term:
            total += c * term
    return total


def _zeros(goal: Goal, deadline: float | None = None) -> list[tuple[int, ...]]:
    small = goal.nvars <= 4
    values = ((0, 1, 2) if small else (0, 1)) if all(goal.nonneg) else ((-1, 0, 1, 2) if small else (-1, 0, 1))
    out = []
    for z in itertools.product(values, repeat=goal.nvars):
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineReached("SOS zeros")
        if any(z) and all(v >= 0 or not ok for v, ok in zip(z, goal.nonneg)):
            if _value(goal.poly, z) == 0:
                out.append(z)
    return out


# Q(sqrt 2) numbers as pairs (r, s) = r + s*sqrt(2): zeros of constrained goals are often irrational
# (USAMO 2001: a = b = sqrt 2, c = 0 on a^2 + b^2 + c^2 + abc = 4), and a rational Gram matrix that vanishes there
# vanishes at the conjugate point too, so each such zero gives two rational linear conditions.
_Surd = tuple[Fraction, Fraction]


def _surd_mul(x: _Surd, y: _Surd) -> _Surd:
    return (x[0] * y[0] + 2 * x[1] * y[1], x[0] * y[1] + x[1] * y[0])


def _surd_monomial(u: Exps, z: tuple[_Surd, ...]) -> _Surd:
    out = (Fraction(1), Fraction(0))
    for x, e in zip(z, u):
        for _ in range(e):
            out = _surd_mul(out, x)
    return out


def _surd_value(p: PolyDict, z: tuple[_Surd, ...]) -> _Surd:
    r, s = Fraction(0), Fraction(0)
    for m, c in p.items():
        v = _surd_monomial(m, z)
        r, s = r + c * v[0], s + c * v[1]
    return r, s


def _surd_zeros(goal: Goal) -> list[tuple[_Surd, ...]]:
    """Common zeros of the goal and its equalities with some coordinate +-sqrt(2), the rest in 0, 1, 2 (or -1)."""
    if not goal.equalities or goal.nvars > 4:
        return []
    one, zero = Fraction(1), Fraction(0)
    values = [(zero, zero), (one, zero), (2 * one, zero), (zero, one)]
    if not all(goal.nonneg):
        values += [(-one, zero), (zero, -one)]
    out = []
    for z in itertools.product(values, repeat=goal.nvars):
        if not any(x[1] for x in z) or any(x[0] < 0 or x[1] < 0 for x, ok in zip(z, goal.nonneg) if ok):
            continue
        if all(_surd_value(p, z) == (zero, zero) for p in (goal.poly, *goal.equalities)):
            out.append(z)
    return out


def _order_along(p: PolyDict, z: tuple[int, ...], v: tuple[int, ...]) -> int:
    """Lowest power of eps in p(z + eps * v) (a large number if identically 0)."""
    coeffs: dict[int, Fraction] = {}
    for m, c in p.items():
        # prod (z_i + eps v_i)^m_i, expanded in eps
        poly = {0: c}
        for zi, vi, e in zip(z, v, m):
            for _ in range(e):
                nxt: dict[int, Fraction] = {}
                for k, a in poly.items():
                    if zi:
                        nxt[k] = nxt.get(k, Fraction(0)) + a * zi
                    if vi:
                        nxt[k + 1] = nxt.get(k + 1, Fraction(0)) + a * vi
                poly = nxt
        for k, a in poly.items():
            coeffs[k] = coeffs.get(k, Fraction(0)) + a
    nonzero = [k for k, a in coeffs.items() if a]
    return min(nonzero) if nonzero else 10**6


def _forces(p: PolyDict, z: tuple[int, ...], m: Exps) -> bool:
    """Must sigma_m vanish at the zero z?  Yes if m(z) != 0; at a boundary zero where m(z) = 0, yes when p grows
    slower than m along the direction that lifts m's vanishing variables."""
    lift = tuple(int(e > 0 and x == 0) for x, e in zip(z, m))
    if not any(lift):
        return True
    k = sum(e for e, l in zip(m, lift) if l)
    return _order_along(p, z, lift) > k


def _blocks(goal: Goal, d: int | None = None) -> list[tuple[Exps, list[Exps]]]:
    n = goal.nvars
    d = degree(goal.poly) if d is None else d
    hom = is_homogeneous(goal.poly) and not goal.equalities
    nonneg = [i for i in range(n) if goal.nonneg[i]]
    mults: list[Exps] = [(0,) * n]
    for size in (1, 2, 3):
        for combo in itertools.combinations(nonneg, size):
            mults.append(tuple(int(i in combo) for i in range(n)))
    blocks = []
    inside = _newton(list(goal.poly)) if goal.poly else (lambda v: True)
    for m in mults:
        rest = d - sum(m)
        if rest < 0 or (hom and rest % 2):
            continue
        if not all(goal.nonneg) and sum(m):
            continue
        basis = monomials(n, rest // 2, rest // 2 if hom else 0)
        if not goal.equalities:
            basis = [u for u in basis if inside(tuple(a + 2 * b for a, b in zip(m, u)))]
        if basis:
            blocks.append((m, basis))
    return blocks


def _newton(points: list[Exps]):
    """Membership test for the convex hull of `points` (the Newton polytope), cached.

    Without equalities, goal = sum_b m_b sigma_b + (monomials): in every direction w the top-w part of each
    summand is nonnegative on the open orthant (or everywhere) and nonzero, so no cancellation happens there and
    every monomial u used in sigma_b has m_b + 2u in the Newton polytope of the goal. Other monomials only force
    zero rows of the Gram matrix (no interior point), so they are dropped."""
    from scipy.optimize import linprog

    pts = np.array(points, dtype=float)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    sums = pts.sum(axis=1)
    cache: dict[Exps, bool] = {}
    A = np.vstack([pts.T, np.ones(len(points))])

    def inside(v: Exps) -> bool:
        if v in cache:
            return cache[v]
        x = np.array(v, dtype=float)
        if np.any(x < lo) or np.any(x > hi) or not sums.min() <= x.sum() <= sums.max():
            ok = False
        elif v in set(points):
            ok = True
        else:
            res = linprog(np.zeros(len(points)), A_eq=A, b_eq=np.append(x, 1.0), bounds=(0, None), method="highs")
            ok = res.status == 0
        cache[v] = ok
        return ok

    return inside


def _nullspace_basis(basis: list[Exps], points: list[tuple[int, ...]], surd_points=()) -> list[PolyDict]:
    """Rational basis of the polynomials sum_i v_i u_i vanishing at all points (u = basis monomials), and at the
    Q(sqrt 2) points `surd_points` (rational and sqrt(2) parts separately: at the point and its conjugate)."""
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    rows = [[QQ(int(np.prod([x**e for x, e in zip(z, u)]))) for u in basis] for z in points]
    for z in surd_points:
        values = [_surd_monomial(u, z) for u in basis]
        for part in (0, 1):
            row = [QQ(v[part].numerator, v[part].denominator) for v in values]
            if any(row):
                rows.append(row)
    if not rows:
        return [{u: Fraction(1)} for u in basis]
    # DomainMatrix: the same reduced-echelon basis as Matrix.nullspace, several times faster
    null = DomainMatrix(rows, (len(rows), len(basis)), QQ).nullspace().to_list()
    return [{u: Fraction(int(v.numerator), int(v.denominator)) for u, v in zip(basis, vec) if v}
            for vec in null]


def sos_applicable(goal: Goal) -> bool:
    """Whether the finisher runs on goal at all; inequality constraints are handled by homogenisation/conjugation
    before this finisher. (Its degree bound, `ProverConfig.sos_max_degree`, is the search's.)"""
    return not goal.inequalities


def sos_certificate(goal: Goal, deadline: float | None = None) -> dict | None:
    """Terms (sq and mono) with goal.poly = sum of terms + sum h_j e_j exactly; None if not found.

    Equalities e_j get free multipliers h_j (all monomials up to the SOS degree less deg e_j). Over nonnegative
    variables, when the mixed blocks fail, the plain SOS over all reals (block 1 only, zeros with negative
    coordinates too) is tried: a square is nonnegative on any domain, and a goal that holds for all reals (APMO
    2004) has real zeros that force the Gram matrix of block 1 but are invisible on the orthant."""
    if not sos_applicable(goal):
        return None
    result = _attempt(goal, deadline)
    if result is None and goal.equalities:  # multipliers of one degree more (USAMO 2001: h*e with deg e = 3)
        result = _attempt(goal, deadline, extra_degree=1)
    if result is None and any(goal.nonneg) and degree(goal.poly) % 2 == 0:
        relaxed = Goal(goal.names, tuple("real" for _ in goal.names), goal.poly, goal.equalities, (),
                       goal.strict, goal.ineq_strict)
        result = _attempt(relaxed, deadline)
    return result


def _entries(k: int) -> int:
    """Unknowns of a symmetric k x k Gram matrix (0 for k <= 0)."""
    return max(k, 0) * (max(k, 0) + 1) // 2


def _attempt(goal: Goal, deadline: float | None, extra_degree: int = 0) -> dict | None:
    d = degree(goal.poly)
    if goal.equalities:
        d = max([d] + [degree(e) for e in goal.equalities]) + extra_degree
        d += d % 2 if not all(goal.nonneg) else 0
    elif not all(goal.nonneg) and d % 2:
        return None
    zeros = _zeros(goal, deadline)
    surds = _surd_zeros(goal)
    if goal.equalities:  # the squares must vanish only where the equalities hold too
        zeros = [z for z in zeros if all(_value(e, z) == 0 for e in goal.equalities)]
    # each zero removes at most one dimension of a block (a Q(sqrt 2) zero two), so a block of k basis monomials
    # keeps at least k - max_cut; refuse a goal whose Gram matrix must exceed the limit before building anything
    # (with equalities the first block holds every monomial up to d/2: 18561 of them for a degree-20 goal took a
    # minute of exact nullspace work past the deadline before the size check below refused it)
    max_cut = len(zeros) + 2 * len(surds)
    if goal.equalities and _entries(count_monomials(goal.nvars, d // 2) - max_cut) > MAX_GRAM_ENTRIES:
        return None
    blocks = []
    least = 0  # Gram entries the blocks built so far must have at least
    for m, basis in _blocks(goal, d):
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineReached("SOS basis construction")
        least += _entries(len(basis) - max_cut)
        if least > MAX_GRAM_ENTRIES:
            return None
        if goal.equalities:  # goal - sum h_j e_j is unknown here: force only where m does not vanish
            points = [z for z in zeros if all(x for x, e in zip(z, m) if e)]
            surd_points = [z for z in surds if all(x != (0, 0) for x, e in zip(z, m) if e)]
        else:
            points = [z for z in zeros if _forces(goal.poly, z, m)]
            surd_points = []
        ps = _nullspace_basis(basis, points, surd_points)
        if ps:
            blocks.append((m, ps))
    free = []  # (equality index, monomial, monomial * e_j)
    for j, e in enumerate(goal.equalities):
        for m in monomials(goal.nvars, d - degree(e)):
            free.append((j, m, mul({m: Fraction(1)}, e)))
    size = sum(len(ps) * (len(ps) + 1) // 2 for _, ps in blocks) + len(free)
    if not blocks or size > MAX_GRAM_ENTRIES:
        return None
    slack = [g for g in goal.poly if all(ok or e % 2 == 0 for e, ok in zip(g, goal.nonneg))
             and not any(all(x != 0 for x, e in zip(z, g) if e) for z in zeros)]
    for _ in range(FACIAL_ROUNDS):
        # products m * p_i * p_j, exact, per block
        products = [[[mul({m: Fraction(1)}, mul(ps[i], ps[j])) for j in range(len(ps))] for i in range(len(ps))]
                    for m, ps in blocks]
        rows = sorted(set(goal.poly) | {g for prod in products for row in prod for p in row for g in p}
                      | {g for _, _, p in free for g in p})
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return None
        numeric = _solve_numeric(goal, blocks, products, slack, rows, remaining, free)
        if numeric is None:
            return None
        Qs, cs, hs = numeric
        for denom in ROUNDINGS:
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineReached("SOS rounding")
            result = _exact(goal, blocks, products, slack, rows, Qs, cs, denom, free, hs)
            if result is not None:
                return result
        # Rounding failed: the optimum may lie on the boundary of the PSD cone (zeros the exact facial reduction
        # did not see, e.g. at infinity with equality multipliers: USAMO 2001). A basis element whose diagonal entry
        # is ~0 has a zero row in a PSD Gram matrix, so dropping it loses no certificate; solve again without it.
        scale = max(float(np.max(np.diag(Q))) for Q in Qs)
        kept = [(m, [p for p, q in zip(ps, np.diag(Q)) if q > 1e-7 * scale]) for (m, ps), Q in zip(blocks, Qs)]
        kept = [(m, ps) for m, ps in kept if ps]
        if not kept or sum(len(ps) for _, ps in kept) == sum(len(ps) for _, ps in blocks):
            return None
        blocks = kept
    return None


def _solve_numeric(goal, blocks, products, slack, rows, remaining, free=()):
    import cvxpy as cp

    index = {g: i for i, g in enumerate(rows)}
    expr = 0
    Qs = []
    t = cp.Variable()
    constraints = []
    for (m, ps), prod in zip(blocks, products):
        k = len(ps)
        Q = cp.Variable((k, k), symmetric=True)
        Qs.append(Q)
        C = np.zeros((len(rows), k * k))
        for i in range(k):
            for j in range(k):
                for g, c in prod[i][j].items():
                    C[index[g], i * k + j] += float(c)  # column-major vec: entry (i, j) -> j*k + i; symmetric
        expr = expr + C @ cp.vec(Q, order="C")
        constraints.append(Q - t * np.eye(k) >> 0)
    c = cp.Variable(len(slack), nonneg=True) if slack else None
    if c is not None:
        S = np.zeros((len(rows), len(slack)))
        for k, g in enumerate(slack):
            S[index[g], k] = 1.0
        expr = expr + S @ c
    h = cp.Variable(len(free)) if free else None
    if h is not None:
        H = np.zeros((len(rows), len(free)))
        for k, (_, _, poly) in enumerate(free):
            for g, v in poly.items():
                H[index[g], k] += float(v)
        expr = expr + H @ h
    b = np.array([float(goal.poly.get(g, 0)) for g in rows])
    constraints += [expr == b, t <= 1]
    problem = cp.Problem(cp.Maximize(t), constraints)
    started = time.monotonic()
    # Clarabel first; when it fails numerically (Poland 1991's Gram matrix did), SCS to high accuracy
    for solver in (cp.CLARABEL, cp.SCS):
        left = None if remaining is None else remaining - (time.monotonic() - started)
        if left is not None and left <= 0.1:
            return None
        if solver == cp.CLARABEL:
            options = {} if left is None else {"time_limit": left}
        else:
            options = {"time_limit_secs": SCS_TIME_LIMIT if left is None else min(left, SCS_TIME_LIMIT),
                       "eps": 1e-9, "max_iters": 100000}
        try:
            problem.solve(solver=solver, **options)
        except (cp.error.SolverError, ValueError, ArithmeticError):
            continue
        break  # a solver that ran to a status (even 'infeasible') is not retried
    if problem.status not in ("optimal", "optimal_inaccurate") or t.value is None or t.value < -1e-7:
        return None
    return ([np.array(Q.value) for Q in Qs], (np.array(c.value) if c is not None else np.zeros(0)),
            (np.array(h.value) if h is not None else np.zeros(0)))


def _exact(goal, blocks, products, slack, rows, Qs, cs, denom, free=(), hs=()):
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    rnd = lambda x: Fraction(round(float(x) * denom), denom)
    c_exact = [rnd(v) if v > 1e-9 else Fraction(0) for v in cs]
    target = dict(goal.poly)
    for g, v in zip(slack, c_exact):
        target = add(target, {g: v}, Fraction(-1))
    variables, columns = [], []  # (block, i, j), coefficient map of Q_ij + Q_ji; then ('h', k) free multipliers
    for b, prod in enumerate(products):
        k = len(prod)
        for i in range(k):
            for j in range(i, k):
                poly = prod[i][j] if i == j else add(prod[i][j], prod[j][i])
                variables.append((b, i, j))
                columns.append(poly)
    for k, (_, _, poly) in enumerate(free):
        variables.append(("h", k, 0))
        columns.append(poly)
    # A (rows x variables) is sparse: each column is one product of basis polynomials, a few terms out of all the
    # rows. Kept as {row: {column: coefficient}} and in sympy's sparse DomainMatrix format, the residual and the
    # projection cost O(nonzeros), where dense rows cost O(rows x variables) Fraction operations (12 s of 45 s for
    # one SDP of prod1_sqrt_sum).
    index = {g: r for r, g in enumerate(rows)}
    v0 = [rnd(hs[i]) if b == "h" else rnd(Qs[b][i, j]) for b, i, j in variables]
    A: dict[int, dict[int, Fraction]] = {}
    residual = {index[g]: c for g, c in target.items() if g in index}
    for col, poly in enumerate(columns):
        for g, c in poly.items():
            if not c:
                continue
            r = index[g]
            A.setdefault(r, {})[col] = c
            residual[r] = residual.get(r, Fraction(0)) - c * v0[col]
    q = lambda x: QQ(x.numerator, x.denominator)
    dm = DomainMatrix({r: {c: q(x) for c, x in row.items()} for r, row in A.items()}, (len(rows), len(variables)), QQ)
    _, pivots = dm.transpose().rref()
    keep = list(pivots)
    Ak = DomainMatrix({k: {c: q(x) for c, x in A[r].items()} for k, r in enumerate(keep)},
                      (len(keep), len(variables)), QQ)
    rk = DomainMatrix({k: {0: q(residual[r])} for k, r in enumerate(keep) if residual.get(r)}, (len(keep), 1), QQ)
    try:
        y = (Ak * Ak.transpose()).lu_solve(rk)
    except Exception:  # singular normal matrix: no exact projection at this precision
        return None
    correction = (Ak.transpose() * y).to_Matrix()
    v = [v0[c] + Fraction(int(correction[c].p), int(correction[c].q)) for c in range(len(variables))]
    terms = []
    pos = 0
    for b, (m, ps) in enumerate(blocks):
        k = len(ps)
        Q = [[Fraction(0)] * k for _ in range(k)]
        for i in range(k):
            for j in range(i, k):
                Q[i][j] = Q[j][i] = v[pos]
                pos += 1
        ldl = _ldl(Q)
        if ldl is None:
            return None
        for d, row in ldl:
            poly: PolyDict = {}
            for coeff, p in zip(row, ps):
                if coeff:
                    poly = add(poly, p, coeff)
            if d and poly:
                terms.append({"kind": "sq", "c": str(d), "mult": mono_mult(m, goal.names),
                              "poly": poly_str(poly, goal.names)})
    for g, val in zip(slack, c_exact):
        if val:
            terms.append({"kind": "mono", "c": str(val), "mult": mono_mult(g, goal.names)})
    multipliers: list[PolyDict] = [{} for _ in goal.equalities]
    for (j, m, _), val in zip(free, v[pos:]):
        if val:
            multipliers[j][m] = val
    return {"terms": terms, "equality_multipliers": multipliers}


def _ldl(Q: list[list[Fraction]]) -> list[tuple[Fraction, list[Fraction]]] | None:
    """Q = sum d_k l_k l_k^T with d_k >= 0 exactly (symmetric pivoting on the diagonal), or None if not PSD."""
    k = len(Q)
    A = [row[:] for row in Q]
    out = []
    remaining = list(range(k))
    while remaining:
        piv = max(remaining, key=lambda i: A[i][i])
        d = A[piv][piv]
        if d < 0:
            return None
        if d == 0:
            if any(A[piv][j] != 0 for j in remaining):
                return None
            remaining.remove(piv)
            continue
        l = [A[i][piv] / d if i in remaining else Fraction(0) for i in range(k)]
        out.append((d, l))
        for i in remaining:
            for j in remaining:
                A[i][j] -= d * l[i] * l[j]
        remaining.remove(piv)
    return out
