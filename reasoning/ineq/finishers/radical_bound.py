"""Radical-bound finisher, a Cauchy / power-mean scaling: in a goal (sum of terms) >= 0 over positive variables,
every term c*sqrt(P) with c > 0 rational and P a quadratic form is replaced by c times its tangent plane at
(1, ..., 1),

    sqrt(P) >= L = (grad P(1) . x) / (2 sqrt(P(1))),

which holds wherever P >= L^2 (then sqrt(P) >= |L| >= L). For a positive semidefinite P that is Cauchy-Schwarz, and
L^2 = (grad P(1) . x)^2 / (4 P(1)) is rational even where L is not (APMO 1996 after Ravi and x -> x^2:
sqrt(y^2 + z^2) >= (y + z)/sqrt(2), from y^2 + z^2 >= (y + z)^2/2). The claims P >= L^2 and the rest (the goal with
the terms replaced) >= 0 are proved by nested searches; the proof is a `bounds` certificate whose entries say
`"by": "square"` (`checker.square_claim`).

A term with a negative coefficient, c*M/sqrt(P) (c < 0), is bounded by AM-GM instead (and c*M*sqrt(P) alike, see
`_amgm_split`): on the constraint set
M^2/P = N^m * M^2/P_h = R1 * R2 with P_h the radicand made homogeneous by a form N that equals 1 there (from an
equality with two homogeneous parts), R1 and R2 homogeneous of degree 0 and equal at (1, ..., 1), so that
c*M/sqrt(P) = c*sqrt(R1*R2) >= c*(R1 + R2)/2 (Korea 1998: with a + b + c = abc, 1/(1 + a^2) = bc/((a + b)(a + c)),
and 1/sqrt(1 + a^2) <= (b/(a + b) + c/(a + c))/2). The split is only a guess, the nested certificates decide.

Any other positive term c*M*sqrt(Q) is bounded by GM >= HM, sqrt(R1*R2) >= 2*R1*R2/(R1 + R2) (`_hm_bound`:
tri_sqrt_sides after Ravi, sqrt((y + z)/(2x)) >= 2(y + z)/(2x + y + z); prod1_sqrt_plus, a/sqrt(b + c) >=
2*sqrt(2)*a/(b + c + 2)).

Each bound is claimed through its square where that is radical-free (`checker.square_claim`, `"by": "square"`),
else as it is; a bound that is the image of an earlier one under a permutation of the variables fixing the
constraints cites it (`same_as`), so the three bounds of a symmetric sum cost one nested search.
"""

from __future__ import annotations

import itertools

import sympy as sp

from reasoning.ineq.finishers.tangent import _ACTIVE, prove_nested
from reasoning.ineq.parse import ParseError, parse_math
from reasoning.ineq.transforms import State

MAX_VARS = 6
MAX_FACTORS = 8  # factors of R1 * R2 distributed between R1 and R2 (2^8 splits at most)


def radical_bounds(state: State) -> tuple[list[tuple[sp.Expr, sp.Expr]], sp.Expr] | None:
    """([(term, lower bound)], rest), or None: the tangent-plane bounds of the terms c*sqrt(quadratic form), c > 0,
    the AM-GM bounds of the terms c*M/sqrt(P), c < 0, and the GM >= HM bounds of the other positive radical terms
    (`_hm_bound`); each bound <= its term (see the module doc)."""
    from reasoning.ineq.checker import _defined_everywhere

    if _ACTIVE or state.strict or len(state.names) > MAX_VARS or any(d != "positive" for _, d in state.domains):
        return None
    symbols = [state.symbols[x] for x in state.names]
    ones = {x: sp.Integer(1) for x in symbols}
    args = list(sp.Add.make_args(state.expr))
    bounds = []
    for term in args:
        c, root = term.as_coeff_Mul()
        if not (c.is_Rational and c > 0 and root.is_Pow and root.exp == sp.Rational(1, 2)):
            continue
        P = root.base
        if not P.free_symbols or not P.free_symbols <= set(symbols) or not P.is_polynomial(*symbols):
            continue
        poly = sp.Poly(P, *symbols)
        if not poly.is_homogeneous or poly.total_degree() != 2:
            continue
        at_one = P.xreplace(ones)
        if not (at_one.is_Rational and at_one > 0):
            continue
        gradient = sum(sp.diff(P, x).xreplace(ones) * x for x in symbols)
        bounds.append((term, c * gradient / (2 * sp.sqrt(at_one))))
    units = _unit_forms(state, symbols)
    for term in args:
        found = _amgm_split(term, symbols, units)
        if found is None and all(term is not t for t, _ in bounds):
            found = _hm_bound(term, symbols, constrained=bool(state.equalities))
        if found is not None:
            bounds.append((term, found))
    try:  # as the checker will read them back (2*(a + b) becomes 2*a + 2*b)
        bounds = [(term, parse_math(sp.sstr(bound), state.symbols)) for term, bound in bounds]
    except ParseError:
        return None
    # the checker takes only bounds defined on the whole domain (sqrt(1/(b + c - a)) is not, before Ravi)
    bounds = [(term, bound) for term, bound in bounds
              if _defined_everywhere(term, state) and _defined_everywhere(bound, state)]
    if not bounds:
        return None
    rest = list(args)
    for term, _ in bounds:  # the rest exactly as the checker builds it
        rest.remove(term)
    return bounds, sp.Add(*rest, *(b for _, b in bounds))


def radical_bound_proof(state: State, found: tuple, deadline: float) -> dict | None:
    """A `bounds` proof with nested certificates for `found = radical_bounds(state)`, or None. A bound that is the
    image of an earlier one under a permutation of the variables fixing the constraints cites it (`same_as`)
    instead of being proved again: the bounds of a symmetric sum cost one nested search, not three."""
    from reasoning.ineq.checker import _Invalid, bound_problem, square_claim

    bounds, rest = found
    try:
        entries, goals, proved = [], [], []  # proved: (old, new, index) of the bounds with their own certificate
        for term, bound in bounds:
            old_text, new_text = sp.sstr(term), sp.sstr(bound)
            old, new = parse_math(old_text, state.symbols), parse_math(new_text, state.symbols)
            if old != term or new != bound:
                return None
            twin = _image_of(state, proved, old, new)
            if twin is not None:
                entries.append({"old": old_text, "new": new_text, "same_as": twin[0], "perm": twin[1]})
                continue
            try:  # a claim between squares has no radicals left for the nested search; else the bound as it is
                claim, by = square_claim(old, new, state), "square"
            except _Invalid:
                claim, by = f"{old_text} >= {new_text}", "nested"
            proved.append((old, new, len(entries)))
            entries.append({"old": old_text, "new": new_text, "by": by})
            goals.append(bound_problem(state, claim))
        rest_text = sp.sstr(rest)
        if parse_math(rest_text, state.symbols) != rest:
            return None
        goals.append(bound_problem(state, f"{rest_text} >= 0"))
    except (_Invalid, ParseError):
        return None
    certs = prove_nested(goals, deadline)
    if certs is None:
        return None
    for (_, _, i), cert in zip(proved, certs):
        entries[i]["certificate"] = cert
    return {"bounds": entries, "rest": certs[-1]}


def _image_of(state: State, proved: list, old: sp.Expr, new: sp.Expr) -> tuple[int, dict] | None:
    """(index, permutation as names) of an earlier proved bound that a variable permutation fixing the constraints
    maps to (old, new), as the checker's `same_as` rule reads it; None if there is none (or over 4 variables)."""
    from reasoning.ineq.checker import _invariant

    names = list(state.names)
    if len(names) > 4:
        return None
    for image in itertools.permutations(names):
        sub = {state.symbols[a]: state.symbols[b] for a, b in zip(names, image)}
        for first, bound, index in proved:
            if first.xreplace(sub) == old and bound.xreplace(sub) == new and _invariant(state, sub):
                return index, dict(zip(names, image))
    return None


def _homogeneous_parts(expr: sp.Expr, symbols: list) -> dict[int, sp.Expr]:
    parts: dict[int, sp.Expr] = {}
    for monom, coeff in sp.Poly(expr, *symbols).terms():
        parts[sum(monom)] = parts.get(sum(monom), 0) + coeff * sp.Mul(*(x**e for x, e in zip(symbols, monom)))
    return parts


def _unit_forms(state: State, symbols: list) -> list[tuple[sp.Expr, int]]:
    """(N, k): N homogeneous of degree k > 0 with N = 1 on the constraint set, from each equality H_p + H_q = 0
    with two homogeneous parts (p < q): N = -H_q / H_p (abc = 1: N = abc; a + b + c = abc: N = abc/(a + b + c))."""
    out = []
    for e in state.equalities:
        if not e.is_polynomial(*symbols):
            continue
        parts = _homogeneous_parts(e, symbols)
        if len(parts) == 2:
            p, q = sorted(parts)
            out.append((sp.factor(-parts[q] / parts[p]), q - p))
    return out


def _amgm_split(term: sp.Expr, symbols: list, units: list[tuple[sp.Expr, int]]) -> sp.Expr | None:
    """c*(R1 + R2)/2 for a term c*M/sqrt(P) or c*M*sqrt(P) (c < 0, see the module doc), or None.

    For c*M*sqrt(P), M^2*P_h = R1*R2 with R1, R2 homogeneous of half its degree and equal at (1, ..., 1)
    (sqrt(a^2 + 1) under ab + bc + ca = 1: a^2 + ab + bc + ca = (a + b)(a + c), so
    sqrt(a^2 + 1) <= (2a + b + c)/2)."""
    c, rest = term.as_coeff_Mul()
    if not (c.is_Rational and c < 0):
        return None
    roots = [f for f in sp.Mul.make_args(rest) if f.is_Pow and abs(f.exp) == sp.Rational(1, 2)]
    if len(roots) != 1:
        return None
    P, inverse = roots[0].base, roots[0].exp < 0
    M = sp.Mul(*(f for f in sp.Mul.make_args(rest) if f is not roots[0]))
    if not (P.free_symbols and P.is_polynomial(*symbols) and M.is_polynomial(*symbols)):
        return None
    degree_m = sp.Poly(M, *symbols).total_degree()
    if len(_homogeneous_parts(M, symbols)) != 1:
        return None
    parts = _homogeneous_parts(P, symbols)
    top = max(parts)
    if inverse:
        if len(parts) == 1 and top == 2 * degree_m:  # already homogeneous of degree 0: no constraint needed
            candidates = [M**2 / P]
        else:  # each part of P times N^j up to degree `top`, then N^m to bring M^2/P_h to degree 0
            candidates = [M**2 * N ** ((top - 2 * degree_m) // k) / _homogenized(parts, N, k, top)
                          for N, k in units
                          if all((top - d) % k == 0 for d in parts) and (top - 2 * degree_m) % k == 0
                          and top >= 2 * degree_m]
    elif top % 2:
        return None
    elif len(parts) == 1:
        candidates = [M**2 * P]
    else:
        candidates = [M**2 * _homogenized(parts, N, k, top) for N, k in units if all((top - d) % k == 0 for d in parts)]
    for Q in candidates:
        split = _split(sp.factor(sp.together(Q)), symbols, 0 if inverse else degree_m + top // 2)
        if split is not None:
            return c * (split[0] + split[1]) / 2
    return None


def _homogenized(parts: dict[int, sp.Expr], N: sp.Expr, k: int, top: int) -> sp.Expr:
    """The polynomial with homogeneous parts `parts`, each times the unit form N (of degree k) up to degree `top`."""
    return sp.Add(*(part * N ** ((top - d) // k) for d, part in parts.items()))


def _hm_bound(term: sp.Expr, symbols: list, constrained: bool) -> sp.Expr | None:
    """A lower bound of a positive term c*M*sqrt(Q) (c > 0, M without radicals, Q = the squares of its radical
    factors) by GM >= HM, sqrt(R1*R2) >= 2*R1*R2/(R1 + R2), equal where R1 = R2; or None:
    - W = M^2*Q homogeneous of degree 0: R1*R2 = W split by `_split`, else R1 = W/t, R2 = t for t^2 = W(1, ..., 1)
      (Ravi form of tri_sqrt_sides: sqrt((y + z)/(2x)) >= 2(y + z)/(2x + y + z));
    - else, under equality constraints only (the bound is not homogeneous): M times the bound of sqrt(Q) with
      t^2 = Q(1, ..., 1) (prod1_sqrt_plus: a/sqrt(b + c) >= 2*sqrt(2)*a/(b + c + 2), the AM-GM
      sqrt(2*(b + c)) <= (2 + b + c)/2). t may be a constant radical."""
    c, rest = term.as_coeff_Mul()
    if not (c.is_Rational and c > 0):
        return None
    factors = sp.Mul.make_args(rest)
    radical = [f for f in factors if f.is_Pow and f.exp.is_Rational and not f.exp.is_Integer]
    if not radical or any(f.exp.q != 2 for f in radical):
        return None
    M = sp.Mul(*(f for f in factors if f not in radical))
    Q = sp.Mul(*(f**2 for f in radical))
    if not (M.is_rational_function(*symbols) and Q.is_rational_function(*symbols) and Q.free_symbols):
        return None
    W = sp.factor(sp.together(M**2 * Q))
    num, den = (sp.Poly(e, *symbols) for e in sp.fraction(W))
    if num.is_homogeneous and den.is_homogeneous and num.total_degree() == den.total_degree():
        split = _split(W, symbols)
        if split is not None:
            R1, R2 = split
            return c * 2 * R1 * R2 / (R1 + R2)
        M, Q = sp.Integer(1), W
    elif not constrained:
        return None
    at_one = Q.xreplace({x: sp.Integer(1) for x in symbols})
    if not (at_one.is_Rational and at_one > 0):
        return None
    t = sp.sqrt(at_one)
    return sp.factor(c * M * 2 * t * Q / (at_one + Q))


def _split(Q: sp.Expr, symbols: list, degree: int = 0) -> tuple[sp.Expr, sp.Expr] | None:
    """Q = R1 * R2 with R1, R2 homogeneous of degree `degree`, both positive and equal at (1, ..., 1); among such
    splits the one that keeps most numerator factors with a denominator factor sharing their variables."""
    ones = {x: sp.Integer(1) for x in symbols}
    num, den = sp.fraction(Q)
    const_n, nf = sp.factor_list(num, *symbols)
    const_d, df = sp.factor_list(den, *symbols)
    factors = [(f, 1) for f, e in nf for _ in range(e)] + [(f, -1) for f, e in df for _ in range(e)]
    if not 2 <= len(factors) <= MAX_FACTORS:
        return None
    const = sp.Rational(const_n) / sp.Rational(const_d)
    best = None
    for mask in range(1, 2 ** len(factors) - 1):
        groups = ([], [])
        for i, (f, sign) in enumerate(factors):
            groups[(mask >> i) & 1].append((f, sign))
        if any(sum(sign * sp.Poly(f, *symbols).total_degree() for f, sign in g) != degree for g in groups):
            continue
        G = [sp.Mul(*(f**sign for f, sign in g)) for g in groups]
        values = [g.xreplace(ones) for g in G]
        if not all(v.is_Rational and v > 0 for v in values):
            continue
        square = const * values[1] / values[0]  # R1 = s*G1, R2 = (const/s)*G2 with s^2 = const*G2(1)/G1(1)
        s = sp.sqrt(square)
        if not s.is_Rational:
            continue
        shared = sum(bool(f.free_symbols & h.free_symbols) for g in groups for f, a in g for h, b in g if a > 0 > b)
        if best is None or shared > best[0]:
            best = (shared, s * G[0], const / s * G[1])
    return None if best is None else (best[1], best[2])
