"""Tangent-trick finisher ("SOS-free isolated fudging"): for a cyclic sum of n terms t_i >= const over positive
variables, with each t_i homogeneous of degree 0, bound every term by

    t_i >= n*w * x_i^p / (x_1^p + ... + x_n^p),    w = t_i(1, ..., 1),

with p chosen so that both sides have the same gradient at (1, ..., 1) (IMO 2001: p = 4/3). The bounds sum to n*w,
so the rest is a constant. Each bound (once; the others are its cyclic images) and the rest are proved by nested
searches, and the proof is a `bounds` certificate that `checker._check_bounds` verifies with the nested certificates.
Only offered for goals with radicals (rational goals are left to the polynomial finishers).
"""

from __future__ import annotations

import time

import sympy as sp

from reasoning.ineq.finishers.common import DeadlineReached
from reasoning.ineq.parse import ParseError, parse_math
from reasoning.ineq.transforms import State

MAX_VARS = 4
MAX_DENOMINATOR = 12  # p = r/q needs the substitution x = y**q later (transforms.MAX_POWER_SUB)
_ACTIVE: list[bool] = []  # non-empty while nested searches run


def _has_radicals(state: State) -> bool:
    return any(node.is_Pow and node.exp.is_Rational and not node.exp.is_Integer
               for node in sp.preorder_traversal(state.expr))


def tangent_bounds(state: State) -> tuple[list[tuple[sp.Expr, sp.Expr, int]], sp.Expr] | None:
    """([(term, bound, cyclic shift k)], rest) or None when the goal is not such a cyclic sum."""
    names = state.names
    n = len(names)
    if _ACTIVE or not 2 <= n <= MAX_VARS or any(d != "positive" for _, d in state.domains) or not _has_radicals(state):
        return None
    if state.strict:
        return None
    symbols = [state.symbols[x] for x in names]
    args = sp.Add.make_args(state.expr)
    consts = [a for a in args if not a.free_symbols]
    terms = [a for a in args if a.free_symbols]
    if len(terms) != n:
        return None
    for order in (symbols, symbols[::-1]):
        shift = {order[i]: order[(i + 1) % n] for i in range(n)}
        first = next((t for t in terms if t.has(order[0])), None)
        if first is None:  # a declared variable the goal does not use: no cyclic sum
            return None
        images, t = [], first
        for _ in range(n):
            images.append(t)
            t = t.xreplace(shift)
        if sorted(map(sp.srepr, images)) != sorted(map(sp.srepr, terms)):
            continue
        found = _fit(images[0], symbols, n)
        if found is None:
            continue
        own, p, w = found
        if n * w + sum(consts) < 0:
            return None
        out = []
        power_sum = sp.Add(*(x**p for x in symbols))
        for k, term in enumerate(images):
            target = own
            for _ in range(k):
                target = shift[target]
            out.append((term, n * w * target**p / power_sum, k))
        if out[0][0] == out[0][1]:  # already of this form
            return None
        rest = sp.Add(*consts, *(b for _, b, _ in out))
        return out, rest
    return None


def _fit(term: sp.Expr, symbols: list[sp.Symbol], n: int):
    """(own variable, p, w) matching value and gradient at (1, ..., 1), or None."""
    ones = {x: sp.Integer(1) for x in symbols}
    try:
        w = sp.nsimplify(term.xreplace(ones))
        grads = [sp.nsimplify(sp.diff(term, x).xreplace(ones)) for x in symbols]
    except (TypeError, ValueError):
        return None
    if not w.is_Rational or w <= 0 or not all(g.is_Rational for g in grads):
        return None
    if sum(grads) != 0:  # not homogeneous of degree 0 (Euler)
        return None
    for i, own in enumerate(symbols):
        p = grads[i] * n / (w * (n - 1))
        if p == 0 or not p.is_Rational or p.q > MAX_DENOMINATOR:
            continue
        if all(grads[j] == -w * p / n for j in range(n) if j != i):
            return own, sp.Rational(p), w
    return None


def tangent_proof(state: State, deadline: float) -> dict | None:
    """A `bounds` proof with nested certificates, or None."""
    from reasoning.ineq.checker import _Invalid, bound_problem

    found = tangent_bounds(state)
    if found is None:
        return None
    bounds, rest = found
    try:
        rest_text = sp.sstr(rest)
        if parse_math(rest_text, state.symbols) != rest:
            return None
        entries = []
        for term, bound, k in bounds:
            old_text, new_text = sp.sstr(term), sp.sstr(bound)
            if parse_math(old_text, state.symbols) != term or parse_math(new_text, state.symbols) != bound:
                return None
            entry = {"old": old_text, "new": new_text}
            if k:
                entry.update(same_as=0, perm=_perm(state, bounds[0][0], term, k))
                if entry["perm"] is None:
                    return None
            entries.append(entry)
        goals = [bound_problem(state, f"{entries[0]['old']} >= {entries[0]['new']}"),
                 bound_problem(state, f"{rest_text} >= 0")]
    except (_Invalid, ParseError):
        return None
    certs = prove_nested(goals, deadline)
    if certs is None:
        return None
    entries[0]["certificate"] = certs[0]
    return {"bounds": entries, "rest": certs[1]}


def prove_nested(goals: list, deadline: float) -> list[dict] | None:
    """Certificates of the nested claims of a `bounds` proof (one search each), or None when one is not proved.

    The nested searches offer no bounds proofs themselves (the checker allows one level)."""
    from reasoning.ineq.config import ProverConfig
    from reasoning.ineq.search import prove

    certs = []
    _ACTIVE.append(True)
    try:
        for problem in goals:
            remaining = deadline - time.monotonic()
            if remaining < 1:
                raise DeadlineReached
            # check=False: the caller checks the whole certificate, nested ones included, before reporting it
            result = prove(problem, ProverConfig(timeout_s=remaining, counterexample_samples=300, check=False))
            if result.status == "timeout":
                raise DeadlineReached
            if result.status != "proved":
                return None
            certs.append(result.certificate)
    finally:
        _ACTIVE.pop()
    return certs


def _perm(state: State, first: sp.Expr, term: sp.Expr, k: int) -> dict | None:
    """The cyclic variable shift (in either direction) by k that maps `first` to `term`, as names."""
    names = list(state.names)
    n = len(names)
    for order in (names, names[::-1]):
        perm = {order[i]: order[(i + k) % n] for i in range(n)}
        sub = {state.symbols[a]: state.symbols[b] for a, b in perm.items()}
        if first.xreplace(sub) == term:
            return perm
    return None
