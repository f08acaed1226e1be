"""Goal states and the substitution steps between them: part of the trusted base shared by prover and checker.

A `State` says: for all values of its variables in their domains satisfying its equalities (= 0) and inequalities
(>= 0, or > 0 when strict), `expr >= 0` (or `> 0`). Each step maps a state to one whose truth implies the parent's:

- `power_sub`  {var, new, k}: var = new**k (k >= 1 integer; var nonnegative/positive, or k odd). Onto, so equivalent.
- `radical`    {base, q, new}: every base**(p/q·m) becomes new**(p·m), with new >= 0 and new**q - base = 0 added.
- `ravi`       {new: [x, y, z]}: triangle sides a = y + z, b = z + x, c = x + y with x, y, z > 0; needs the three
               strict triangle constraints, which are then dropped (they hold identically).

`polynomial_goal` then clears denominators: expr = N / D with D >= 0 made of factors of the expression's own
denominators, so the goal is N >= 0 wherever the original is defined.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from reasoning.ineq.parse import parse_expr
from reasoning.ineq.problem import ParsedProblem, make_symbol

MAX_POWER_SUB = 12  # largest k in var = new**k


class StepError(ValueError):
    """A step does not apply to the state (or is unsound there); the message says why."""


@dataclass(frozen=True)
class State:
    domains: tuple[tuple[str, str], ...]  # (name, 'positive' | 'nonnegative' | 'real'), in order
    expr: sp.Expr
    equalities: tuple[sp.Expr, ...] = ()
    inequalities: tuple[tuple[sp.Expr, bool], ...] = ()
    strict: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.domains)

    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        return {name: make_symbol(name, domain) for name, domain in self.domains}

    def domain(self, name: str) -> str:
        return dict(self.domains)[name]


def initial_state(parsed: ParsedProblem) -> State:
    domain = parsed.problem.domain
    return State(
        domains=tuple((name, domain) for name in parsed.problem.vars),
        expr=parsed.goal_expr,
        equalities=parsed.equalities,
        inequalities=parsed.inequalities,
        strict=parsed.strict,
    )


def _fresh(state: State, name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier() or name in state.names or name in ("sqrt", "cbrt"):
        raise StepError(f"new variable name {name!r} is not fresh")


def _map_all(state: State, fn) -> dict:
    return dict(
        expr=fn(state.expr),
        equalities=tuple(fn(e) for e in state.equalities),
        inequalities=tuple((fn(g), strict) for g, strict in state.inequalities),
    )


def power_sub(state: State, var: str, new: str, k: int) -> State:
    if var not in state.names:
        raise StepError(f"unknown variable {var!r}")
    _fresh(state, new)
    if not isinstance(k, int) or not 1 <= k <= MAX_POWER_SUB:
        raise StepError(f"power k must be an integer in 1..{MAX_POWER_SUB}")
    domain = state.domain(var)
    if domain == "real" and k % 2 == 0:
        raise StepError("an even power cannot reach negative values of a real variable")
    old, sym = state.symbols[var], make_symbol(new, domain)
    domains = tuple((new, d) if n == var else (n, d) for n, d in state.domains)
    return replace(state, domains=domains, **_map_all(state, lambda e: e.subs(old, sym**k)))


def _replace_radical(expr: sp.Expr, base: sp.Expr, q: int, new: sp.Symbol) -> sp.Expr:
    if expr.is_Pow and expr.base == base and expr.exp.is_Rational and (expr.exp * q).is_Integer:
        return new ** int(expr.exp * q)
    if not expr.args:
        return expr
    return expr.func(*(_replace_radical(arg, base, q, new) for arg in expr.args))


def radical(state: State, base: str, q: int, new: str) -> State:
    _fresh(state, new)
    if not isinstance(q, int) or not 2 <= q <= MAX_POWER_SUB:
        raise StepError(f"root order q must be an integer in 2..{MAX_POWER_SUB}")
    if any(d == "real" for _, d in state.domains):
        raise StepError("radicals are only handled over nonnegative variables")
    base_expr = parse_expr(base, state.symbols)
    sym = make_symbol(new, "nonnegative")
    mapped = _map_all(state, lambda e: _replace_radical(e, base_expr, q, sym))
    mapped["equalities"] = mapped["equalities"] + (sp.expand(sym**q - base_expr),)
    return replace(state, domains=state.domains + ((new, "nonnegative"),), **mapped)


def ravi(state: State, new: list[str]) -> State:
    if len(state.names) != 3 or any(d != "positive" for _, d in state.domains) or len(new) != 3:
        raise StepError("Ravi substitution needs exactly three positive variables and three new names")
    for name in new:
        _fresh(state, name)
    if len(set(new)) != 3:
        raise StepError("new names must be distinct")
    a, b, c = (state.symbols[n] for n in state.names)
    x, y, z = (make_symbol(n, "positive") for n in new)
    needed = {sp.expand(b + c - a), sp.expand(c + a - b), sp.expand(a + b - c)}
    have = {sp.expand(g) for g, strict in state.inequalities if strict}
    if not needed <= have:
        raise StepError("Ravi substitution needs the strict triangle constraints a < b + c, b < c + a, c < a + b")
    sub = {a: y + z, b: z + x, c: x + y}
    mapped = _map_all(state, lambda e: e.xreplace(sub))
    kept = tuple((g, s) for (g, s), (g0, s0) in zip(mapped["inequalities"], state.inequalities)
                 if not (s0 and sp.expand(g0) in needed))
    mapped["inequalities"] = kept
    return replace(state, domains=tuple((n, "positive") for n in new), **mapped)


def eq_root(state: State, index: int, k: int) -> State:
    """Equality M**k - d**k = 0 with M a monomial in nonnegative variables and d > 0 rational becomes M - d = 0."""
    if not isinstance(index, int) or not 0 <= index < len(state.equalities):
        raise StepError(f"no equality number {index}")
    if not isinstance(k, int) or not 2 <= k <= MAX_POWER_SUB:
        raise StepError(f"k must be an integer in 2..{MAX_POWER_SUB}")
    gens = [state.symbols[n] for n in state.names]
    poly = sp.Poly(state.equalities[index], *gens, domain="QQ")
    terms = poly.terms()
    if len(terms) != 2 or sum(terms[1][0]) != 0 or terms[0][1] != 1 or terms[1][1] >= 0:
        raise StepError("eq_root needs an equality of the form monomial - constant = 0")
    monom, constant = terms[0][0], -terms[1][1]
    root = sp.Rational(constant) ** sp.Rational(1, k)
    if not root.is_Rational or any(e % k for e in monom):
        raise StepError("eq_root needs the monomial and the constant to be exact k-th powers")
    for name, e in zip(state.names, monom):
        if e and state.domain(name) == "real":
            raise StepError("eq_root needs the monomial's variables to be nonnegative")
    new = sp.Mul(*(g ** (e // k) for g, e in zip(gens, monom))) - root
    equalities = tuple(new if i == index else e for i, e in enumerate(state.equalities))
    return replace(state, equalities=equalities)


STEPS = {"power_sub": power_sub, "radical": radical, "ravi": ravi, "eq_root": eq_root}


def apply_step(state: State, step: dict) -> State:
    """Apply one recorded step {"kind": ..., **arguments}; raises StepError if it does not apply."""
    kind = step.get("kind")
    if kind not in STEPS:
        raise StepError(f"unknown step kind {kind!r}")
    args = {k: v for k, v in step.items() if k != "kind"}
    try:
        return STEPS[kind](state, **args)
    except TypeError as error:
        raise StepError(f"bad arguments for step {kind!r}: {error}") from None


def _denominator_bases(expr: sp.Expr) -> list[sp.Expr]:
    bases = []
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_Rational and node.exp < 0:
            bases.append(node.base)
    return bases


def is_polynomial_state(state: State) -> bool:
    """True when expr and all constraints are rational functions of the state's variables (no radicals left)."""
    gens = set(state.symbols.values())
    for e in (state.expr, *state.equalities, *(g for g, _ in state.inequalities)):
        if not e.free_symbols <= gens:
            return False
        for node in sp.preorder_traversal(e):
            if node.is_Pow and not node.exp.is_Integer:
                return False
    return True


def polynomial_goal(state: State) -> tuple[sp.Poly, sp.Poly]:
    """(N, D) with expr = N / D and D >= 0 on the domain, D vanishing only where expr is undefined."""
    if not is_polynomial_state(state):
        raise StepError("radicals or foreign symbols remain; substitute them first")
    gens = [state.symbols[n] for n in state.names]
    num, den = sp.fraction(sp.together(state.expr))
    N, D = sp.Poly(sp.expand(num), *gens, domain="QQ"), sp.Poly(sp.expand(den), *gens, domain="QQ")
    original = sp.Poly(sp.Mul(*_denominator_bases(state.expr)), *gens, domain="QQ")
    constant, factors = D.factor_list()
    if constant < 0:
        N, D, constant = -N, -D, -constant
    nonneg = {n for n, d in state.domains if d != "real"}
    for factor, power in factors:
        if factor.is_ground:
            continue
        if not original.rem(factor).is_zero:
            raise StepError(f"denominator factor {factor.as_expr()} is not one of the expression's denominators")
        if power % 2 == 0:
            continue
        coeffs = factor.coeffs()
        used = {str(s) for s in factor.free_symbols}
        if not used <= nonneg or not (all(c >= 0 for c in coeffs) or all(c <= 0 for c in coeffs)):
            raise StepError(f"cannot certify the sign of denominator factor {factor.as_expr()}")
        if all(c <= 0 for c in coeffs):
            N, D = -N, -D
    return N, D
