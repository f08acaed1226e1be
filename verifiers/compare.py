"""Equivalence of two parsed answers: numbers, expressions, equations, sets, tuples, intervals, matrices.

`equivalent(gold, answer)` returns `(equal, detail)`. Rules, in the order they apply:

* equations: `x = 3` matches `3` (a lone variable on the left is a label); two equations match when one is a
  nonzero constant multiple of the other (`y = 2x+1` ~ `2x - y + 1 = 0`);
* sets and solution lists (`\\{1,2\\}`, `1, 2`, `x=1 \\text{ or } x=2`, `\\pm`) match as unordered collections;
  tuples and points in order; intervals by endpoints and openness (an inequality such as `x \\le 3` is turned into
  its interval first); matrices entrywise with the same shape;
* numbers: exact when both are rational (so 10^100+1 != 10^100 and 1/2^99 != 1/2^98); irrational values by
  high-precision numerics; a decimal against an irrational by rounding to the places written;
* expressions with variables: rational functions by exact evaluation at large random rational points
  (Schwartz-Zippel identity testing, no expansion, so `(x+1)^{150}` costs little); others by high-precision
  evaluation at random points, falling back to `simplify` where the expression is undefined.

Runs inside pool workers (see `verifiers.pool`), so a slow SymPy call is bounded by the caller's timeout.
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy
from sympy.matrices import MatrixBase

from verifiers.limits import MAX_SET_ELEMENTS
from verifiers.numeric import Number, decimal_matches
from verifiers.verdict import BudgetExceeded

__all__ = ["equivalent"]

_PRECISION = 50  # significant digits for numeric comparison of irrational values
_HIGH_PRECISION = 300  # digits for the second look at values that agree to _PRECISION but are not proven equal
_ZERO = sympy.Float(10) ** -35  # |difference| below this (relative) counts as zero at that precision
_NON_FINITE = (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)
_POINTS = 4  # random points for identity testing of expressions with variables


def equivalent(gold, answer) -> tuple[bool, str]:
    """Compare two `ParsedAnswer`s (gold first); returns (equal, short detail)."""
    return _equal(gold.value, answer.value, gold.decimal_places, answer.decimal_places)


def _equal(g, a, gold_places, answer_places) -> tuple[bool, str]:
    if isinstance(g, sympy.Eq) or isinstance(a, sympy.Eq):
        return _equations(g, a, gold_places, answer_places)
    if _is_collection(g) or _is_collection(a):
        return _collections(g, a, gold_places, answer_places)
    if isinstance(g, MatrixBase) or isinstance(a, MatrixBase):
        return _matrices(g, a, gold_places, answer_places)
    if _is_setlike(g) or _is_setlike(a):
        return _sets(g, a)
    if isinstance(g, sympy.Expr) and isinstance(a, sympy.Expr):
        return _expressions(g, a, gold_places, answer_places)
    return bool(g == a), f"symbolic: compared {type(g).__name__} with {type(a).__name__} structurally"


def _is_collection(x) -> bool:
    return isinstance(x, (sympy.FiniteSet, sympy.Tuple, tuple, list))


def _is_setlike(x) -> bool:
    return isinstance(x, (sympy.Set, sympy.core.relational.Relational, sympy.And, sympy.Or)) and not isinstance(
        x, sympy.Eq
    )


def _equations(g, a, gp, ap) -> tuple[bool, str]:
    if isinstance(g, sympy.Eq) and isinstance(a, sympy.Eq):
        if _equal(g.rhs, a.rhs, gp, ap)[0] and _equal(g.lhs, a.lhs, gp, ap)[0]:
            return True, "symbolic: equations agree side by side"
        dg, da = g.lhs - g.rhs, a.lhs - a.rhs
        if isinstance(dg, sympy.Expr) and isinstance(da, sympy.Expr):
            return _proportional(dg, da)
        return False, "symbolic: equations differ"
    eq, other, swapped = (g, a, False) if isinstance(g, sympy.Eq) else (a, g, True)
    if not isinstance(eq.lhs, sympy.Symbol) and not isinstance(eq.lhs, sympy.Function):
        return False, "symbolic: an equation against a value"
    pair = (other, eq.rhs) if swapped else (eq.rhs, other)
    equal, detail = _equal(*pair, gp, ap)
    return equal, detail + f" (after dropping '{eq.lhs} =')"


def _proportional(dg, da) -> tuple[bool, str]:
    """Equations lhs-rhs = 0 are the same when one difference is a nonzero constant multiple of the other."""
    ratio = sympy.cancel(dg / da) if (dg.is_polynomial() and da.is_polynomial()) else sympy.simplify(dg / da)
    if ratio.is_number and ratio != 0 and ratio.is_finite:
        return True, "symbolic: equations are multiples of each other"
    return False, "symbolic: equations differ"


def _elements(x) -> tuple[list, bool]:
    """The values of a collection and whether their order matters."""
    items = list(x.args if isinstance(x, (sympy.FiniteSet, sympy.Tuple)) else x) if _is_collection(x) else [x]
    if len(items) > MAX_SET_ELEMENTS:
        raise BudgetExceeded(f"more than {MAX_SET_ELEMENTS} elements")
    ordered = isinstance(x, (sympy.Tuple, tuple, list))
    labels = [item.lhs for item in items if isinstance(item, sympy.Eq) and isinstance(item.lhs, sympy.Symbol)]
    if len(labels) == len(items) > 1 and len(set(labels)) == len(labels):
        # "x = 2, y = 3" assigns distinct variables: a point, ordered by variable name (x, y, z)
        items, ordered = sorted(items, key=lambda item: str(item.lhs)), True
    # "x = 1, x = 2" lists solutions of one variable: the labels are not part of the values
    values = [item.rhs if isinstance(item, sympy.Eq) and isinstance(item.lhs, sympy.Symbol) else item for item in items]
    return values, ordered


def _collections(g, a, gp, ap) -> tuple[bool, str]:
    if isinstance(g, sympy.Interval) or isinstance(a, sympy.Interval):
        # "(1, 2)" is read as an open interval; against a 2-tuple it is the same notation
        g, a = _interval_as_tuple(g), _interval_as_tuple(a)
    (ge, g_ordered), (ae, a_ordered) = _elements(g), _elements(a)
    if len(ge) != len(ae):
        return False, f"symbolic: {len(ae)} elements, expected {len(ge)}"
    if g_ordered and a_ordered:
        for x, y in zip(ge, ae):
            if not _equal(x, y, gp, ap)[0]:
                return False, "symbolic: tuples differ"
        return True, "symbolic: tuples agree in order"
    remaining = list(ae)
    for x in ge:  # greedy matching is exact here: equivalence is transitive
        match = next((i for i, y in enumerate(remaining) if _equal(x, y, gp, ap)[0]), None)
        if match is None:
            return False, "symbolic: collections differ"
        remaining.pop(match)
    return True, "symbolic: same elements (order ignored)"


def _interval_as_tuple(x):
    if isinstance(x, sympy.Interval) and x.left_open and x.right_open:
        return sympy.Tuple(x.start, x.end)
    return x


def _matrices(g, a, gp, ap) -> tuple[bool, str]:
    gm, am = _as_matrix(_interval_as_tuple(g)), _as_matrix(_interval_as_tuple(a))
    if gm is None or am is None:
        return False, "symbolic: a matrix against a non-matrix"
    if gm.shape != am.shape:
        if 1 in gm.shape and 1 in am.shape and len(gm) == len(am):
            am = am.reshape(*gm.shape)  # row vs column vector: same vector
        else:
            return False, f"symbolic: shape {am.shape}, expected {gm.shape}"
    for x, y in zip(gm, am):
        if not _equal(x, y, gp, ap)[0]:
            return False, "symbolic: matrix entries differ"
    return True, "symbolic: matrices agree entrywise"


def _as_matrix(x):
    if isinstance(x, MatrixBase):
        return x
    if isinstance(x, (sympy.Tuple, tuple, list)):
        return sympy.Matrix(list(x))
    return None


def _as_set(x):
    if isinstance(x, sympy.Set):
        return x
    symbols = x.free_symbols
    if len(symbols) != 1:
        raise BudgetExceeded("an inequality must have exactly one variable to compare as a set")
    return x.as_set()


def _intervals_equal(gs, as_) -> bool | None:
    """Intervals and unions of intervals by endpoints and openness (fast); None for other sets."""
    g_parts = gs.args if isinstance(gs, sympy.Union) else (gs,)
    a_parts = as_.args if isinstance(as_, sympy.Union) else (as_,)
    if not all(isinstance(p, sympy.Interval) for p in g_parts + a_parts):
        return None
    if len(g_parts) != len(a_parts):
        return False
    key = lambda p: (float(p.start), float(p.end))  # noqa: E731  (sympy orders union parts; this is a guard)
    for x, y in zip(sorted(g_parts, key=key), sorted(a_parts, key=key)):
        if (x.left_open, x.right_open) != (y.left_open, y.right_open):
            return False
        for u, v in ((x.start, y.start), (x.end, y.end)):
            if not (u == v or (u.is_finite and v.is_finite and _expressions(u, v, None, None)[0])):
                return False
    return True


def _sets(g, a) -> tuple[bool, str]:
    gs, as_ = _as_set(g), _as_set(a)
    if gs == as_:
        return True, "symbolic: sets agree"
    same = _intervals_equal(gs, as_)
    if same is not None:
        return same, "symbolic: " + ("intervals agree" if same else "intervals differ")
    difference = sympy.Union(sympy.Complement(gs, as_), sympy.Complement(as_, gs))
    if difference == sympy.EmptySet:
        return True, "symbolic: sets agree"
    return False, "symbolic: sets differ"


def _expressions(g, a, gp, ap) -> tuple[bool, str]:
    g, a = g.doit(), a.doit()  # entries of parsed matrices and tuples can still be unevaluated (sqrt(4))
    if g == a:
        return True, "symbolic: identical"
    if g.has(*_NON_FINITE) or a.has(*_NON_FINITE):
        return False, "symbolic: infinities and undefined values only match identically"
    if not g.free_symbols and not a.free_symbols:
        return _numbers(g, a, gp, ap)
    if g.free_symbols != a.free_symbols:
        diff = sympy.simplify(g - a)
        return diff == 0, "symbolic: " + ("simplifies to 0" if diff == 0 else "different variables")
    diff = g - a
    if diff == 0:
        return True, "symbolic: difference cancels exactly"
    if diff.is_rational_function():
        return _exact_identity_test(diff)
    return _identity_test(diff, g)


def _exact_identity_test(diff) -> tuple[bool, str]:
    """A rational function is zero iff it vanishes at random points (Schwartz-Zippel): exact arithmetic at
    large random rationals decides with error probability below degree/10^9 per point, without expanding."""
    rng = random.Random(2024)
    symbols = sorted(diff.free_symbols, key=str)
    checked = 0
    for _ in range(3 * _POINTS):
        point = {s: sympy.Rational(rng.randint(10**8, 10**9), rng.randint(10**8, 10**9)) for s in symbols}
        value = diff.xreplace(point)
        if value.has(sympy.zoo, sympy.nan):
            continue  # hit a pole
        if value != 0:
            return False, "symbolic: differ at a random point (exact)"
        checked += 1
        if checked == _POINTS:
            return True, f"symbolic: equal at {_POINTS} random points (exact arithmetic)"
    return sympy.cancel(diff) == 0, "symbolic: compared by cancelling"


def _numbers(g, a, gp, ap) -> tuple[bool, str]:
    if g.is_rational and a.is_rational:  # exact, never rounded: 10^100+1 != 10^100
        return g == a, "symbolic: numbers agree exactly" if g == a else "symbolic: numbers differ exactly"
    for dec, places, other in ((a, ap, g), (g, gp, a)):
        if places is not None and dec.is_rational and other.is_rational is not True:
            # a decimal against an irrational value: right if it is that value rounded or truncated
            value = complex(sympy.N(other, _PRECISION))
            if value.imag == 0 and decimal_matches(Number(_fraction(dec), places), value.real):
                return True, f"symbolic: decimal matches the irrational value to {places} places"
    diff = g - a
    if diff == 0:
        return True, "symbolic: numbers agree exactly"
    dv = sympy.N(diff, _PRECISION)
    scale = max(abs(sympy.N(g, _PRECISION)), abs(sympy.N(a, _PRECISION)), sympy.Float(1e-300))
    if dv.is_number and abs(dv) <= _ZERO * scale:
        if sympy.simplify(diff) == 0:
            return True, "symbolic: numbers agree exactly"
        # not provably equal: a tiny difference between huge values (10^30 pi vs 10^30 pi + 10^-10) must not
        # pass by rounding, so look again with far more digits before calling them equal
        fine = sympy.N(diff, _HIGH_PRECISION)
        if fine.is_number and abs(fine) <= sympy.Float(10, _HIGH_PRECISION) ** (30 - _HIGH_PRECISION) * scale:
            return True, f"symbolic: numbers agree to {_HIGH_PRECISION - 30} digits"
    return False, "symbolic: numbers differ"


def _fraction(x) -> Fraction:
    r = sympy.Rational(x)
    return Fraction(int(r.p), int(r.q))


def _identity_test(diff, g) -> tuple[bool, str]:
    """Evaluate the difference at random points; nonzero anywhere (where defined) means different."""
    rng = random.Random(12345)  # fixed seed: verdicts are reproducible
    symbols = sorted(diff.free_symbols, key=str)
    checked = 0
    for _ in range(3 * _POINTS):
        point = {s: sympy.Rational(rng.randint(11, 97), rng.randint(7, 31)) for s in symbols}
        value = sympy.N(diff.xreplace(point), _PRECISION)
        scale = sympy.N(g.xreplace(point), _PRECISION)
        if not value.is_number or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            continue  # a pole or undefined point: try another
        if abs(value) > _ZERO * max(abs(scale), 1):
            return False, "symbolic: differ at a random point"
        checked += 1
        if checked == _POINTS:
            return True, f"symbolic: equal at {_POINTS} random points"
    simplified = sympy.simplify(diff)
    return simplified == 0, "symbolic: " + ("simplifies to 0" if simplified == 0 else "could not show equality")
