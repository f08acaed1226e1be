"""Radical-bound finisher, a Cauchy / power-mean scaling: in a goal (sum of terms) >= 0 over positive variables,
every term c*sqrt(P) with c > 0 rational and P a quadratic form is replaced by c times its tangent plane at
(1, ..., 1),

    sqrt(P) >= L = (grad P(1) . x) / (2 sqrt(P(1))),

which holds wherever P >= L^2 (then sqrt(P) >= |L| >= L). For a positive semidefinite P that is Cauchy-Schwarz, and
L^2 = (grad P(1) . x)^2 / (4 P(1)) is rational even where L is not (APMO 1996 after Ravi and x -> x^2:
sqrt(y^2 + z^2) >= (y + z)/sqrt(2), from y^2 + z^2 >= (y + z)^2/2). The claims P >= L^2 and the rest (the goal with
the terms replaced) >= 0 are proved by nested searches; the proof is a `bounds` certificate whose entries say
`"by": "square"` (`checker.square_claim`). Only lower bounds: a radical with a negative coefficient is left as it is.
"""

from __future__ import annotations

import sympy as sp

from reasoning.ineq.finishers.tangent import _ACTIVE, prove_nested
from reasoning.ineq.parse import ParseError, parse_math
from reasoning.ineq.transforms import State

MAX_VARS = 6


def radical_bounds(state: State) -> tuple[list[tuple[sp.Expr, sp.Expr]], sp.Expr] | None:
    """([(term, lower bound)], rest) for the goal's terms c*sqrt(quadratic form), or None when it has none."""
    if _ACTIVE or state.strict or len(state.names) > MAX_VARS or any(d != "positive" for _, d in state.domains):
        return None
    symbols = [state.symbols[x] for x in state.names]
    ones = {x: 1 for x in symbols}
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
    if not bounds:
        return None
    rest = list(args)
    for term, _ in bounds:  # the rest exactly as the checker builds it
        rest.remove(term)
    return bounds, sp.Add(*rest, *(b for _, b in bounds))


def radical_bound_proof(state: State, deadline: float) -> dict | None:
    """A `bounds` proof with nested certificates, or None."""
    from reasoning.ineq.checker import _Invalid, bound_problem, square_claim

    found = radical_bounds(state)
    if found is None:
        return None
    bounds, rest = found
    try:
        entries, goals = [], []
        for term, bound in bounds:
            old_text, new_text = sp.sstr(term), sp.sstr(bound)
            old, new = parse_math(old_text, state.symbols), parse_math(new_text, state.symbols)
            if old != term or new != bound:
                return None
            entries.append({"old": old_text, "new": new_text, "by": "square"})
            goals.append(bound_problem(state, square_claim(old, new)))
        rest_text = sp.sstr(rest)
        if parse_math(rest_text, state.symbols) != rest:
            return None
        goals.append(bound_problem(state, f"{rest_text} >= 0"))
    except (_Invalid, ParseError):
        return None
    certs = prove_nested(goals, deadline)
    if certs is None:
        return None
    for entry, cert in zip(entries, certs):
        entry["certificate"] = cert
    return {"bounds": entries, "rest": certs[-1]}
