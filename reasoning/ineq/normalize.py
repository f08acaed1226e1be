"""Normalisation: candidate substitution steps for a state, the polynomial goal, and homogenisation.

Substitution steps are recorded as dicts that `transforms.apply_step` (and so the checker) replays. Homogenisation
is not a step: it only finds equality multipliers h with N_hom = N + h * e, which the certificate carries.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from reasoning.ineq.finishers.common import Goal, PolyDict, add, degree, is_homogeneous, mul, power, to_dict
from reasoning.ineq.transforms import (
    MAX_POWER_SUB, State, StepError, apply_step, is_polynomial_state, polynomial_goal, power_sides, scale,
    sides,
)

_NEW_NAMES = "xyzuvwpqrstklmn"


def _fresh_names(state: State, count: int, taken: set[str] | None = None) -> list[str]:
    taken = set(state.names) | (taken or set())
    out = []
    for base in list(_NEW_NAMES) + [f"{c}{i}" for i in range(1, 9) for c in _NEW_NAMES]:
        if base not in taken and base not in ("sqrt", "cbrt"):
            out.append(base)
            taken.add(base)
            if len(out) == count:
                return out
    raise StepError("ran out of fresh variable names")


def _radicals(state: State) -> dict[sp.Expr, int]:
    """Radical bases in the state -> lcm of their exponent denominators."""
    out: dict[sp.Expr, int] = {}
    for e in (state.expr, *state.equalities, *(g for g, _ in state.inequalities)):
        for node in sp.preorder_traversal(e):
            if node.is_Pow and node.exp.is_Rational and not node.exp.is_Integer:
                out[node.base] = math.lcm(out.get(node.base, 1), int(node.exp.q))
    return out


def candidate_steps(state: State) -> list[tuple[str, list[dict]]]:
    """(name, macro-step) pairs worth trying from this state; a macro-step is a list of step dicts."""
    out: list[tuple[str, list[dict]]] = []
    if not state.equalities and not state.inequalities and not state.strict and \
            any(d == "nonnegative" for _, d in state.domains) and all(d != "real" for _, d in state.domains):
        out.append(("interior", [{"kind": "interior"}]))
    radicals = _radicals(state)
    symbols = state.symbols
    var_roots = {str(b): q for b, q in radicals.items() if b in symbols.values()}
    if var_roots and not any(d == "real" for _, d in state.domains):
        k = math.lcm(*var_roots.values())
        names = _fresh_names(state, len(state.names))
        out.append(("power_sub_all", [{"kind": "power_sub", "var": v, "new": n, "k": k}
                                      for v, n in zip(state.names, names)]))
        if len(var_roots) < len(state.names):
            names = _fresh_names(state, len(var_roots))
            out.append(("power_sub_some", [{"kind": "power_sub", "var": v, "new": n, "k": q}
                                           for (v, q), n in zip(sorted(var_roots.items()), names)]))
    others = [(b, q) for b, q in radicals.items() if b not in symbols.values()]
    if others and not var_roots and not any(d == "real" for _, d in state.domains):
        names = _fresh_names(state, len(others))
        out.append(("radical_aux", [{"kind": "radical", "base": str(b), "q": q, "new": n}
                                    for (b, q), n in zip(sorted(others, key=str), names)]))
    if len(state.names) >= 2 and is_polynomial_state(state):
        try:  # `scale` refuses what it does not apply to; a homogeneous goal on the slice x1 + ... + xn = n: what SOS with equality multipliers can use
            scale(state, len(state.names))
            out.append(("scale", [{"kind": "scale", "total": len(state.names)}]))
        except StepError:
            pass
    powered = _power_sides(state)
    if powered:
        out.append(("power_sides", powered))
    for index, e in enumerate(state.equalities):
        if is_polynomial_state(state) and e.is_polynomial(*symbols.values()):
            macro = _product_constraint(state, index, e)
            if macro:
                out.append(("product_root", macro))
            ratio = _ratio_constraint(state, index, e)
            if ratio:
                out.append(("ratio_sub", ratio))
            k = _root_of_power_constraint(state, e)
            if k:
                out.append(("eq_root", [{"kind": "eq_root", "index": index, "k": k}]))
            rewritten = _reduce_by_monomial(state, index, e)
            if rewritten is not None:
                out.append(("eq_reduce", [{"kind": "eq_rewrite", "index": index, "expr": rewritten}]))
    if state.equalities and all(d == "positive" for _, d in state.domains) and is_polynomial_state(state) and \
            any(node.is_Pow and node.exp < 0 for node in sp.preorder_traversal(state.expr)):
        names = _fresh_names(state, len(state.names))
        out.append(("invert_all", [{"kind": "power_sub", "var": v, "new": n, "k": -1}
                                   for v, n in zip(state.names, names)]))
    mobius = _mobius_steps(state)
    if mobius:
        out.append(("mobius", mobius))
    shifts = _shift_steps(state)
    if shifts:
        out.append(("shift", shifts))
    if len(state.names) == 3 and all(d == "positive" for _, d in state.domains):
        a, b, c = (symbols[n] for n in state.names)
        needed = {sp.expand(b + c - a), sp.expand(c + a - b), sp.expand(a + b - c)}
        if needed <= {sp.expand(g) for g, s in state.inequalities if s}:
            out.append(("ravi", [{"kind": "ravi", "new": _fresh_names(state, 3)}]))
    return out


MAX_POWER_SIDES = 6  # (a + b + c)^q is expanded later: keep q small


def _power_sides(state: State, rounds: int = 2) -> list[dict] | None:
    """Raise both sides to the q-th power (`transforms.power_sides`) when a side that is a single term holds all its
    radicals' roots in q (lcm of their orders) and the raised goal has no radicals left: power means written with roots,
    ((a^3 + b^3 + c^3)/3)^(1/3) >= ((a^2 + b^2 + c^2)/3)^(1/2) (q = 6), or a + b + c <= 3^(2/3)*(a^3 + b^3 + c^3)^(1/3)
    (q = 3). Up to `rounds` raisings in one macro, each leaving fewer radicals, when together they clear them all:
    Minkowski's sqrt(A) + sqrt(B) >= sqrt(C) leaves 2*sqrt(A)*sqrt(B) >= 2*(ac + bd), raised once more."""
    if not _radicals(state):
        return None
    single = [side for side in sides(state.expr) if len(sp.Add.make_args(side)) == 1]
    orders = [int(node.exp.q) for side in single for node in sp.preorder_traversal(side)
              if node.is_Pow and node.exp.is_Rational and not node.exp.is_Integer]
    if not orders:
        return None
    q = math.lcm(*orders)
    if not 2 <= q <= MAX_POWER_SIDES:
        return None
    try:
        raised = power_sides(state, q)
    except StepError:
        return None
    step = [{"kind": "power_sides", "q": q}]
    if not _radicals(raised):
        return step
    # offered only where the raisings clear every root: otherwise a radical_aux or power_sub is better
    if rounds > 1 and len(_radicals(raised)) < len(_radicals(state)):
        more = _power_sides(raised, rounds - 1)
        if more:
            return step + more
    return None


def _reduce_by_monomial(state: State, index: int, e: sp.Expr) -> str | None:
    """With M = c (M a monomial), divide M out of each term's numerator: x**3*y*z/(y + z) -> x**2/(y + z)."""
    gens = [state.symbols[n] for n in state.names]
    terms = sp.Poly(e, *gens).terms()
    if len(terms) != 2 or sum(terms[1][0]) != 0 or sum(terms[0][0]) == 0:
        return None
    monom, c = terms[0][0], -terms[1][1] / terms[0][1]
    changed, parts = False, []
    for term in sp.Add.make_args(state.expr):
        num, den = sp.fraction(sp.together(term))
        coeff, factors = sp.Poly(num, *gens).terms()[0][1], None
        if len(sp.Poly(num, *gens).terms()) == 1:
            factors = sp.Poly(num, *gens).terms()[0][0]
        if factors is None:
            parts.append(term)
            continue
        j = min((f // m for f, m in zip(factors, monom) if m), default=0)
        if j <= 0:
            parts.append(term)
            continue
        changed = True
        reduced = sp.Mul(*(g ** (f - j * m) for g, f, m in zip(gens, factors, monom)))
        parts.append(coeff * c**j * reduced / den)
    return sp.sstr(sp.Add(*parts)) if changed else None


def _monomial_equals_constant(state: State, e: sp.Expr) -> tuple[tuple[int, ...], sp.Rational, sp.Rational] | None:
    """For e = c*M - c*d (M a non-constant monomial): (M's exponents, c, d), else None."""
    terms = sp.Poly(e, *(state.symbols[n] for n in state.names)).terms()
    if len(terms) != 2 or sum(terms[1][0]) != 0:
        return None
    (monom, lead), (_, const) = terms
    return monom, sp.Rational(lead), sp.Rational(-const / lead)


def _root_of_power_constraint(state: State, e: sp.Expr) -> int | None:
    """k >= 2 when e is M**k - d**k (M a monomial in nonnegative variables, d rational): x^2*y^2*z^2 = 1 after
    substituting squares into xyz = 1. Taking the root gives the product constraint its usual steps back."""
    found = _monomial_equals_constant(state, e)
    if found is None or found[1] != 1 or found[2] <= 0:
        return None
    monom, _, constant = found
    if any(x and state.domain(n) == "real" for n, x in zip(state.names, monom)):
        return None
    roots = [k for k in sp.divisors(math.gcd(*monom)) if 2 <= k <= MAX_POWER_SUB
             and (constant ** sp.Rational(1, k)).is_Rational]
    return max(roots, default=None)


def _product_equals_constant(state: State, e: sp.Expr) -> tuple[list[str], sp.Rational, sp.Rational] | None:
    """For e = c*x1*...*xk - c*d (k >= 2 distinct positive variables, d > 0): (the x names, c, d), else None."""
    found = _monomial_equals_constant(state, e)
    if found is None or any(x > 1 for x in found[0]):
        return None
    monom, lead, constant = found
    involved = [n for n, x in zip(state.names, monom) if x]
    if len(involved) < 2 or constant <= 0 or any(state.domain(n) != "positive" for n in involved):
        return None
    return involved, lead, constant


def _shift_steps(state: State) -> list[dict] | None:
    """Every real variable with a bound of its own (x > -1) shifted onto a nonnegative/positive one (x = u - 1), in
    one step (`transforms.shift`)."""
    chosen: dict[str, int] = {}
    for index, (g, _) in enumerate(state.inequalities):
        if len(g.free_symbols) == 1:
            name = str(next(iter(g.free_symbols)))
            sym = state.symbols.get(name)
            if sym is not None and g.has(sym) and state.domain(name) == "real" and name not in chosen \
                    and g.is_polynomial(sym) and sp.degree(g, sym) == 1:
                chosen[name] = index
    if not chosen:
        return None
    return [{"kind": "shift", "vars": list(chosen), "new": _fresh_names(state, len(chosen)),
             "indices": list(chosen.values())}]


def _ratio_constraint(state: State, index: int, e: sp.Expr) -> list[dict] | None:
    """For x1*...*xk = d (distinct positive variables), the substitution x1 = d*y1/y2, ..., xk = yk/y1."""
    found = _product_equals_constant(state, e)
    if found is None:
        return None
    return [{"kind": "ratio_sub", "index": index, "new": _fresh_names(state, len(found[0]))}]


def _mobius_steps(state: State) -> list[dict] | None:
    """Real variables x with a divisor x - v in the goal: x = v*a/(a - 1) (so a = x/(x - v)), or x = 1/a for v = 0."""
    if not is_polynomial_state(state):
        return None
    from reasoning.ineq.transforms import _denominators

    poles: dict[str, sp.Rational] = {}
    for term in sp.Add.make_args(sp.expand(state.expr)):
        for base, _ in _denominators(term):  # expand writes (x - 1)**2 as x**2 - 2*x + 1: factor it again
            for factor, _ in sp.factor_list(base)[1]:
                symbols = factor.free_symbols
                if len(symbols) != 1:
                    continue
                (x,) = symbols
                name = str(x)
                if name not in state.names or state.domain(name) != "real" or name in poles:
                    continue
                poly = sp.Poly(factor, x)
                if poly.degree() == 1:
                    poles[name] = -poly.coeff_monomial(1) / poly.coeff_monomial(x)
    if not poles:
        return None
    names = _fresh_names(state, len(poles))
    steps = []
    for (var, v), new in zip(sorted(poles.items()), names):
        p, q, r, s = (v, 0, 1, -1) if v != 0 else (0, 1, 1, 0)
        steps.append({"kind": "mobius", "var": var, "new": new, "p": str(p), "q": str(q), "r": str(r), "s": str(s)})
    return steps


def _product_constraint(state: State, index: int, e: sp.Expr) -> list[dict] | None:
    """For x1*...*xk = c (positive variables), substitute xi = yi**k and take the k-th root of the constraint."""
    found = _product_equals_constant(state, e)
    if found is None:
        return None
    involved, lead, constant = found
    k = len(involved)
    if lead != 1 or not (constant ** sp.Rational(1, k)).is_Rational:
        return None
    names = _fresh_names(state, k)
    steps = [{"kind": "power_sub", "var": v, "new": n, "k": k} for v, n in zip(involved, names)]
    return steps + [{"kind": "eq_root", "index": index, "k": k}]


def apply_macro(state: State, macro: list[dict]) -> State:
    for step in macro:
        state = apply_step(state, step)
    return state


def goal_of(state: State) -> Goal:
    """The finisher goal (N >= 0 with the state's constraints as polynomials)."""
    N, _ = polynomial_goal(state)
    gens = N.gens

    def poly(e: sp.Expr) -> PolyDict:
        try:
            return to_dict(sp.Poly(sp.expand(e), *gens, domain="QQ"))
        except sp.PolynomialError as error:  # e.g. t**2 = a/(b + c - a) after a radical substitution
            raise StepError(f"constraint {e} is not a polynomial") from error

    return Goal(
        names=state.names,
        domains=tuple(d for _, d in state.domains),
        poly=to_dict(N),
        equalities=tuple(poly(e) for e in state.equalities),
        inequalities=tuple(poly(g) for g, _ in state.inequalities),
        strict=state.strict,
        ineq_strict=tuple(s for _, s in state.inequalities),
    )


def homogenize(goal: Goal) -> tuple[Goal, list[PolyDict]] | None:
    """Use one equality L - k = 0 (L homogeneous, k != 0) to make the goal homogeneous.

    Returns the homogeneous goal (without equalities) and the multipliers h_j with hom = N - sum h_j e_j
    (the certificate's convention)."""
    if not goal.poly or (is_homogeneous(goal.poly) and not goal.equalities):  # 0 >= 0 needs no homogenising
        return None
    n = goal.nvars
    for j, e in enumerate(goal.equalities):
        constant = e.get((0,) * n, Fraction(0))
        L = {m: c for m, c in e.items() if sum(m)}
        if not constant or not L or not is_homogeneous(L):
            continue
        dl = degree(L)
        ratio = {m: c / -constant for m, c in L.items()}  # L / k, equal to 1 on the constraint
        degrees = {sum(m) for m in goal.poly}
        if len({d % dl for d in degrees}) > 1:
            continue
        top = max(degrees)
        k = -constant
        powers = [{(0,) * n: Fraction(1)}]  # t**i with t = L/k
        for _ in range((top - min(degrees)) // dl + 1):
            powers.append(mul(powers[-1], ratio))
        hom: PolyDict = {}
        h: PolyDict = {}
        # x^m * t^r = x^m + x^m * (t^r - 1) and t^r - 1 = (e / k) * (1 + t + ... + t^(r-1))
        geometric = [dict()]
        for i in range(len(powers) - 1):
            geometric.append(add(geometric[-1], powers[i]))
        for m, c in goal.poly.items():
            r = (top - sum(m)) // dl
            hom = add(hom, mul({m: c}, powers[r]))
            if r:
                h = add(h, mul({m: c / k}, geometric[r]))
        multipliers = [dict() for _ in goal.equalities]
        multipliers[j] = {m: -c for m, c in h.items()}  # hom = N + h*e, so N - (-h)*e = hom
        others = tuple(x for i, x in enumerate(goal.equalities) if i != j)
        # the other equalities are kept out: the homogeneous goal is proved on the whole domain
        del others
        new = Goal(goal.names, goal.domains, hom, (), goal.inequalities, goal.strict, goal.ineq_strict)
        return new, multipliers
    return None


def conjugate(goal: Goal) -> tuple[Goal, PolyDict, list[PolyDict]] | None:
    """Rationalise N = A + B*s, where s >= 0 satisfies the equality s**2 - g = 0, via M = ±(A - B*s) > 0:
    M*N = ±(A**2 - B**2 * g) modulo the equality. Returns (goal without that equality, M, multipliers)."""
    n = goal.nvars
    for j, e in enumerate(goal.equalities):
        for k in range(n):
            unit = tuple(2 * int(i == k) for i in range(n))
            if e.get(unit) != 1 or any(m[k] for m in e if m != unit) or goal.domains[k] == "real":
                continue
            g = {m: -c for m, c in e.items() if m != unit}  # e = s**2 - g
            if any(m[k] > 1 for m in goal.poly):
                continue
            A = {m: c for m, c in goal.poly.items() if m[k] == 0}
            B = {tuple(0 if i == k else x for i, x in enumerate(m)): c for m, c in goal.poly.items() if m[k] == 1}
            if not A or not B:
                continue
            sign_a = {c > 0 for c in A.values()}
            sign_b = {c > 0 for c in B.values()}
            if len(sign_a) != 1 or len(sign_b) != 1 or sign_a == sign_b:
                continue
            sign = Fraction(1) if sign_a == {True} else Fraction(-1)
            s = {tuple(int(i == k) for i in range(n)): Fraction(1)}
            M = {m: sign * c for m, c in add(A, mul(B, s), Fraction(-1)).items()}
            if not any(all(goal.domains[i] == "positive" for i, x in enumerate(m) if x) for m in M):
                continue
            B2 = mul(B, B)
            reduced = {m: sign * c for m, c in add(mul(A, A), mul(B2, g), Fraction(-1)).items()}
            multipliers = [dict() for _ in goal.equalities]
            multipliers[j] = {m: -sign * c for m, c in B2.items()}
            others = tuple(x for i, x in enumerate(goal.equalities) if i != j)
            new = Goal(goal.names, goal.domains, reduced, others, goal.inequalities, goal.strict, goal.ineq_strict)
            return new, M, multipliers
    return None


def difference_of_squares(goal: Goal) -> tuple[Goal, PolyDict] | None:
    """N = A - B (A, B with positive coefficients) times M = A + B > 0 gives A**2 - B**2, which a constraint of
    higher degree can often homogenise (a + b + c - 3 >= 0 under ab + bc + ca = 3)."""
    if any(goal.domains[i] == "real" for m in goal.poly for i, e in enumerate(m) if e):
        return None
    A = {m: c for m, c in goal.poly.items() if c > 0}
    B = {m: -c for m, c in goal.poly.items() if c < 0}
    if not A or not B:
        return None
    M = add(A, B)
    if not any(all(goal.domains[i] == "positive" for i, x in enumerate(m) if x) for m in M):
        return None
    reduced = add(mul(A, A), mul(B, B), Fraction(-1))
    return Goal(goal.names, goal.domains, reduced, goal.equalities, goal.inequalities, goal.strict,
                goal.ineq_strict), M
