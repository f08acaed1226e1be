"""Numerical counterexample search: vectorised random sampling plus a short local optimisation.

Used by the search to refute false goals (sampling before any proof attempt, the optimisation once the first
attempt has failed) and by the dataset sanity test. It can only ever *refute*: a point where the goal fails by more
than a relative tolerance. Finding nothing proves nothing.

Sampling: positive variables are exp(normal), nonnegative ones are sometimes set to exactly 0, real ones are
normal; one equality of the form L = k with L homogeneous is met by scaling each point; points violating an
inequality constraint are dropped. Problems with other equalities are sampled by minimising the squared violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from reasoning.ineq.problem import ParsedProblem

TOLERANCE = 1e-7  # relative violation needed to call a point a counterexample
NEAR_TIGHT = 1e-6  # relative value below which a point of a strict goal is checked in exact arithmetic
DENOMINATORS = (1, 2, 3, 4, 10)  # the rational points tried near a nearly tight point


@dataclass(frozen=True)
class Counterexample:
    point: dict[str, float]
    value: float  # goal expression f (f >= 0 claimed) at the point


def _scale_for(parsed: ParsedProblem):
    """(L as numpy fn, degree, k) for a single equality L - k = 0 with L homogeneous, else None."""
    if len(parsed.equalities) != 1:
        return None
    try:
        poly = sp.Poly(parsed.equalities[0], *parsed.symbols)
    except sp.PolynomialError:  # e.g. 1/x + 1/y = 2: projected by Newton steps instead
        return None
    k = -poly.coeff_monomial(1)
    rest = poly.as_expr() + k
    degrees = {sum(m) for m in sp.Poly(rest, *parsed.symbols).monoms()} if rest != 0 else set()
    if k == 0 or len(degrees) != 1:
        return None
    return sp.lambdify(parsed.symbols, rest, "numpy"), degrees.pop(), float(k)


def _samples(parsed: ParsedProblem, count: int, rng: np.random.Generator) -> np.ndarray:
    n, domain = len(parsed.symbols), parsed.problem.domain
    if domain == "real":
        x = rng.normal(size=(count, n)) * rng.choice([0.3, 1.0, 3.0], size=(count, 1))
    else:
        x = np.exp(rng.normal(size=(count, n)) * rng.choice([0.3, 1.0, 2.5], size=(count, 1)))
        # near-equal points, where olympiad inequalities are tight
        x[: count // 4] = 1.0 + 0.05 * rng.normal(size=(count // 4, n))
        x = np.abs(x)
        if domain == "nonnegative":
            mask = rng.random((count, n)) < 0.15
            x[mask] = 0.0
    return x


def _column(fn, x: np.ndarray) -> np.ndarray:
    return np.asarray(fn(*x.T), dtype=float) * np.ones(len(x))


class _Projection:
    """Newton projection onto the equalities {g_1 = ... = g_m = 0}: minimum-norm Gauss-Newton steps, batched.

    Used for equalities that are not 'homogeneous = constant' (those are scaled exactly), e.g.
    a^2 + b^2 + c^2 + abc = 4 or a + b + c = abc. Rows that do not converge come back as NaN.
    """

    STEPS = 40

    def __init__(self, parsed: ParsedProblem):
        syms = parsed.symbols
        self.g = [sp.lambdify(syms, e, "numpy") for e in parsed.equalities]
        # size of each equality's terms at a point: the convergence test is relative to it (a test relative to |x|
        # passed points running off to 1e55 where 1/(a*b*c*d) = 1 is off by 1, and refuted true goals there)
        self.size = [sp.lambdify(syms, sp.Add(*(sp.Abs(t) for t in sp.Add.make_args(e))), "numpy")
                     for e in parsed.equalities]
        self.jac = [[sp.lambdify(syms, sp.diff(e, s), "numpy") for s in syms] for e in parsed.equalities]

    def residual(self, x: np.ndarray) -> np.ndarray:
        return np.stack([_column(g, x) for g in self.g], axis=1)  # (points, m)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.array(x, dtype=float)
        for _ in range(self.STEPS):
            G = self.residual(x)
            if np.nanmax(np.abs(G), initial=0.0) <= 1e-13:
                break
            J = np.stack([np.stack([_column(d, x) for d in row], axis=1) for row in self.jac], axis=1)  # (p, m, n)
            bad = ~(np.isfinite(G).all(axis=1) & np.isfinite(J).all(axis=(1, 2)))
            G[bad], J[bad] = 0.0, 0.0  # pinv needs finite input; those rows are dropped below
            Jt = J.transpose(0, 2, 1)
            x = x - (Jt @ np.linalg.pinv(J @ Jt) @ G[..., None])[..., 0]
            x[bad] = np.nan
        with np.errstate(all="ignore"):
            size = np.stack([_column(m, x) for m in self.size], axis=1)
            converged = (np.abs(self.residual(x)) <= 1e-10 * size).all(axis=1)
        x[~converged] = np.nan
        return x


class _Feasibility:
    """Compiled constraint handling: `__call__` moves points onto the equalities and drops infeasible ones."""

    def __init__(self, parsed: ParsedProblem):
        self.scale = _scale_for(parsed)
        self.projection = _Projection(parsed) if parsed.equalities and self.scale is None else None
        self.domain = parsed.problem.domain
        self.checks = [(sp.lambdify(parsed.symbols, g, "numpy"), strict) for g, strict in parsed.inequalities]

    def onto_equalities(self, x: np.ndarray) -> np.ndarray:
        """Points moved onto the equality constraints (rows NaN where that failed)."""
        if self.scale is not None:
            fn, deg, k = self.scale
            return x * ((k / _column(fn, x)) ** (1.0 / deg))[:, None]
        return self.projection(x) if self.projection is not None else x

    def __call__(self, x: np.ndarray, rescale: bool = True) -> np.ndarray:
        with np.errstate(all="ignore"):
            if rescale:
                x = self.onto_equalities(x)
            x = x[np.isfinite(x).all(axis=1)]
            if self.domain == "positive":
                x = x[(x > 0).all(axis=1)]
            elif self.domain == "nonnegative":
                x = x[(x >= 0).all(axis=1)]
            for fn, strict in self.checks:
                values = np.asarray(fn(*x.T), dtype=float) * np.ones(len(x))
                x = x[values > 0] if strict else x[values >= 0]
        return x


class CounterexampleSearch:
    """The two stages of the search, so a caller can pay for the cheap one first and the costly one only if needed.

    `sampled()` evaluates the goal at `samples` random feasible points at once (milliseconds); `optimised()` runs a
    short Nelder-Mead from the worst of them (about 0.1 s, most of the time a true easy inequality takes to prove).
    """

    def __init__(self, parsed: ParsedProblem, samples: int = 4000, seed: int = 0):
        self.parsed = parsed
        self.f = sp.lambdify(parsed.symbols, parsed.goal_expr, "numpy")
        self.feasible = _Feasibility(parsed)
        self.x = self.feasible(_samples(parsed, samples, np.random.default_rng(seed)))
        self.worst = np.zeros(0, dtype=int)
        if len(self.x) == 0:
            return
        # rounding error is relative to the size of the terms as written too: an identity whose terms cancel only
        # after expansion (sqrt(2)*(u + v)/2 + ... - sqrt(2)*u - ... = 0) has no expanded terms to measure it against
        written = sp.Add.make_args(parsed.goal_expr) + sp.Add.make_args(sp.expand(parsed.goal_expr))
        scale_expr = sp.lambdify(parsed.symbols, sum(abs(t) for t in written), "numpy")
        x = self.x
        with np.errstate(all="ignore"):
            self.values = np.asarray(self.f(*x.T), dtype=complex) * np.ones(len(x))
            scales = np.abs(np.asarray(scale_expr(*x.T), dtype=complex)) * np.ones(len(x)) + 1e-12
        real = np.abs(self.values.imag) < 1e-9
        self.rel = np.where(real & np.isfinite(self.values.real), self.values.real / scales.real, np.inf)
        self.worst = np.argsort(self.rel)

    def sampled(self) -> Counterexample | None:
        """The worst sampled point, if it violates the goal."""
        if len(self.worst) == 0:
            return None
        i = self.worst[0]
        if self.rel[i] < -TOLERANCE and not self.parsed.strict or self.rel[i] <= -TOLERANCE:
            return _found(self.parsed, self.x[i], self.values[i].real)
        if self.parsed.strict:
            tight = [self.x[j] for j in self.worst[:16] if abs(self.rel[j]) < NEAR_TIGHT]
            return exact_violation(self.parsed, [np.ones(len(self.parsed.symbols))] + tight)
        return None

    def optimised(self, starts: int = 4) -> Counterexample | None:
        """A violating point found by local optimisation from the `starts` worst samples."""
        if len(self.worst) == 0 or starts <= 0:
            return None
        return _optimise(self.parsed, self.f, self.feasible, self.x[self.worst[:starts]])


def find_counterexample(parsed: ParsedProblem, samples: int = 4000, seed: int = 0,
                        optimise: int = 4) -> Counterexample | None:
    """Search for a point violating the goal; None when none is found."""
    search = CounterexampleSearch(parsed, samples, seed)
    return search.sampled() or search.optimised(optimise)


def _optimise(parsed: ParsedProblem, f, feasible: _Feasibility, starts: np.ndarray) -> Counterexample | None:
    from scipy.optimize import minimize

    domain = parsed.problem.domain
    to_x = (lambda u: u) if domain == "real" else (lambda u: u * u)
    from_x = (lambda x: x) if domain == "real" else (lambda x: np.sqrt(np.maximum(x, 0)))

    def project(u: np.ndarray) -> np.ndarray:
        return feasible.onto_equalities(to_x(u)[None, :])[0]

    def objective(u: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            x = project(u)
            value = complex(f(*x))
            if not np.isfinite(value.real) or abs(value.imag) > 1e-9 or not feasible(x[None, :], False).size:
                return 1e6
            return value.real / (1.0 + float(np.abs(x).sum()) ** 2)

    def violation(x: np.ndarray) -> float | None:
        """f(x) where x is feasible and violates the goal beyond the tolerance, else None."""
        with np.errstate(all="ignore"):
            value = complex(f(*x))
        if np.isfinite(value.real) and abs(value.imag) < 1e-9 and feasible(x[None, :], False).size:
            if value.real < -TOLERANCE * (1.0 + float(np.abs(x).sum()) ** 2):
                return value.real
        return None

    ends = []
    for start in starts:
        res = minimize(objective, from_x(start), method="Nelder-Mead",
                       options={"maxiter": 200, "xatol": 1e-9, "fatol": 1e-12})
        x = project(res.x)
        value = violation(x)
        if value is not None:
            # a homogeneous goal's minimiser can run off to 1e29: report the same direction at unit size if it
            # still violates there (not under equalities, which the rescaled point would leave)
            unit = x / max(float(np.abs(x).max()), 1e-300)
            small = violation(unit) if not parsed.equalities else None
            return _found(parsed, unit, small) if small is not None else _found(parsed, x, value)
        if np.isfinite(x).all():
            ends.append(x)
    return exact_violation(parsed, ends) if parsed.strict else None


def _rational_points(x: np.ndarray) -> list[tuple[Fraction, ...]]:
    """x rounded to multiples of 1/q for each q in DENOMINATORS, after snapping coordinates within 1e-4 of each
    other (relative) to their mean: equality cases are mostly points with equal or simple coordinates."""
    x = np.array(x, dtype=float)
    size = max(float(np.abs(x).max()), 1e-12)
    for i in range(len(x)):
        close = np.abs(x - x[i]) <= 1e-4 * size
        x[close] = x[close].mean()
    return list(dict.fromkeys(tuple(Fraction(round(float(v) * q), q) for v in x) for q in DENOMINATORS))


def _roots_defined(expr: sp.Expr, at: dict) -> bool:
    """Every fractional power in expr has a base >= 0 at the point (> 0 under a negative exponent). SymPy would take
    complex roots of negative bases, and a product of two of them can be real: sqrt(-1)*sqrt(-4) = -2."""
    for node in sp.preorder_traversal(expr):
        if node.is_Pow:
            exp = node.exp.xreplace(at)
            if exp.is_integer:
                continue
            base = node.base.xreplace(at)
            if not (base.is_positive or base.is_zero and exp.is_positive):
                return False
    return True


def _exact_sign(expr: sp.Expr, at: dict) -> int | None:
    """Sign of expr at a rational point in exact arithmetic; None where undefined or undecided."""
    if not _roots_defined(expr, at):
        return None
    value = expr.xreplace(at)
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not value.is_real:
        return None
    if value.is_zero:
        return 0
    return 1 if value.is_positive else -1 if value.is_negative else None


def exact_violation(parsed: ParsedProblem, points: list[np.ndarray]) -> Counterexample | None:
    """A rational point near one of `points`, feasible in exact arithmetic, where the goal fails exactly."""
    domain = parsed.problem.domain
    goal = parsed.goal_expr
    for x in points:
        for q in _rational_points(x):
            if domain == "positive" and min(q) <= 0 or domain == "nonnegative" and min(q) < 0:
                continue
            at = {s: sp.Rational(v.numerator, v.denominator) for s, v in zip(parsed.symbols, q)}
            if any(_exact_sign(e, at) != 0 for e in parsed.equalities):
                continue
            if any(_exact_sign(g, at) not in ((1,) if strict else (0, 1)) for g, strict in parsed.inequalities):
                continue
            sign = _exact_sign(goal, at)
            if sign is not None and (sign < 0 or sign == 0 and parsed.strict):
                return Counterexample({str(s): float(v) for s, v in zip(parsed.symbols, q)},
                                      float(goal.xreplace(at)))
    return None


def _found(parsed: ParsedProblem, x: np.ndarray, value: float) -> Counterexample:
    return Counterexample({str(s): float(v) for s, v in zip(parsed.symbols, x)}, float(value))


def term_values(poly: dict, points: np.ndarray) -> np.ndarray:
    """Each term of `poly` (exponent tuple -> coefficient) at each point: shape (points, terms); floats, so only for
    features that rank goals."""
    exps = np.array(list(poly), dtype=float)
    coeffs = np.array([float(c) for c in poly.values()])
    with np.errstate(all="ignore"):
        return np.prod(np.power(points[:, None, :], exps[None, :, :]), axis=2) * coeffs


def relative_slack(poly: dict, nonneg: tuple[bool, ...], samples: int = 64, seed: int = 0) -> float:
    """Median of p(x) / sum|terms(x)| over random points of the domain, in [-1, 1] (a search-heuristic feature).

    1 means every term is positive (nothing to prove), values near 0 a goal that is tight almost everywhere.
    Constraints are ignored: this only ranks goals, it never decides anything.
    """
    if not poly:
        return 1.0
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, len(next(iter(poly))))) * rng.choice([0.3, 1.0, 3.0], size=(samples, 1))
    x = np.where(np.array(nonneg, dtype=bool), np.abs(x), x)
    terms = term_values(poly, x)
    with np.errstate(all="ignore"):
        ratio = terms.sum(axis=1) / np.abs(terms).sum(axis=1)
    ratio = ratio[np.isfinite(ratio)]
    return float(np.clip(np.median(ratio), -1.0, 1.0)) if ratio.size else 0.0
