"""Goal states and the substitution steps between them: part of the trusted base shared by prover and checker.

A `State` says: for all values of its variables in their domains satisfying its equalities (= 0) and inequalities
(>= 0, or > 0 when strict), `expr >= 0` (or `> 0`). Each step maps a state to one whose truth implies the parent's:

- `power_sub`  {var, new, k}: var = new**k (k != 0 integer; var nonnegative/positive, or k odd; k < 0 needs var
               positive, and constraints are then multiplied by a positive power of new). Onto, so equivalent.
- `eq_rewrite` {index, expr}: the goal expression replaced by one equal to it on the constraint set (checked by
               exact division of the difference's numerator by the equality).
- `radical`    {base, q, new}: every base**(p/q·m) becomes new**(p·m), with new >= 0 and new**q - base = 0 added.
- `interior`   {}: nonnegative variables become positive (continuity; see `interior`).
- `eq_root`    {index, k}: an equality M**k = d**k (M a monomial in nonnegative variables, d > 0) becomes M = d.
- `ratio_sub`  {index, new: [y1, ..., yk]}: equality x1*...*xk = d becomes x1 = d*y1/y2, ..., xk = yk/y1 (onto).
- `mobius`     {var, new, p, q, r, s}: real var = (p*new + q)/(r*new + s), a bijection onto var != p/r; needs the goal
               undefined at var = p/r.
- `shift`      {vars, new, indices}: real vars, each with the bound k*(var - c) >= 0 (> 0) at its inequality index,
               become c + new (k > 0) or c - new (k < 0), new nonnegative (positive), all at once; a bijection, the
               bounds are dropped.
- `ravi`       {new: [x, y, z]}: triangle sides a = y + z, b = z + x, c = x + y with x, y, z > 0; needs the three
               strict triangle constraints, which are then dropped (they hold identically).
- `scale`      {total}: x1 + ... + xn = total > 0 added to a goal invariant under scaling x -> t*x (t > 0): nonnegative
               or positive variables, no equalities, homogeneous inequality constraints, expr = N / D with N and D
               homogeneous (`polynomial_goal`); a strict goal needs positive variables, a nonnegative domain
               deg N > 0 (the origin, the one point no scaling reaches, then has N = 0).
- `power_sides` {q}: expr = P - N with P the terms of positive rational coefficient and N the others, P
               syntactically nonnegative (`_nonnegative`), becomes P**q - N**q, expanded (t -> t**q is increasing on
               t >= 0; for even q, P**q >= N**q gives P >= |N| >= N whatever N's sign, for odd q N must be
               syntactically nonnegative too): ((a^3 + b^3)/2)^(1/3) >= ((a^2 + b^2)/2)^(1/2) becomes
               ((a^3 + b^3)/2)^2 - ((a^2 + b^2)/2)^3 >= 0; Minkowski's sqrt(A) + sqrt(B) >= sqrt(C) over the reals
               becomes 2*sqrt(A)*sqrt(B) - 2*(ac + bd) >= 0, then 4AB - 4(ac + bd)^2 >= 0.

`polynomial_goal` then clears denominators: expr = N / D with D >= 0 made of factors of the expression's own
denominators, so the goal is N >= 0 wherever the original is defined.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import sympy as sp

from reasoning.ineq.parse import ParseError, checked_power, parse_math, parse_rational, with_roots_held
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
    """The problem as a state. A declared variable that occurs in neither the goal nor a constraint is left out: the
    statement holds for all of its values iff for one (every domain is non-empty), and kept it would only widen
    every polynomial the finishers see (an unused w made a 4-variable cyclic sum take 12 nodes instead of 4)."""
    domain = parsed.problem.domain
    used = set().union(*(e.free_symbols for e in (parsed.goal_expr, *parsed.equalities,
                                                   *(g for g, _ in parsed.inequalities))))
    names = [n for n, s in zip(parsed.problem.vars, parsed.symbols) if s in used] or list(parsed.problem.vars)
    return State(
        domains=tuple((name, domain) for name in names),
        expr=parsed.goal_expr,
        equalities=parsed.equalities,
        inequalities=parsed.inequalities,
        strict=parsed.strict,
    )


def substitute(expr: sp.Expr, mapping: dict) -> sp.Expr:
    """expr.xreplace(mapping), rebuilding every power through `parse.checked_power`: a substitution must not let
    SymPy split a root where that loses points (x = c + u with u >= 0 turns sqrt((x - c)*(y - 1)) into
    sqrt(u)*sqrt(y - 1), undefined at u = 0, y < 1 where the original is 0)."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [substitute(arg, mapping) for arg in expr.args]
    if expr.is_Pow and args[1].is_Rational:
        return checked_power(args[0], args[1], f"substituting into {expr}", StepError)
    return expr.func(*args)


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
    if not isinstance(k, int) or not 1 <= abs(k) <= MAX_POWER_SUB:
        raise StepError(f"power k must be an integer with 1 <= |k| <= {MAX_POWER_SUB}")
    domain = state.domain(var)
    if domain == "real" and k % 2 == 0:
        raise StepError("an even power cannot reach negative values of a real variable")
    if k < 0 and domain != "positive":
        raise StepError("a negative power (var = 1/new**|k|) needs a positive variable")
    old, sym = state.symbols[var], make_symbol(new, domain)
    domains = tuple((new, d) if n == var else (n, d) for n, d in state.domains)
    mapped = _map_all(state, lambda e: substitute(e, {old: sym**k}))
    if k < 0:
        # constraints stay polynomial: multiply by the positive monomial sym**(|k|*degree)
        gens = [sym if n == new else state.symbols[n] for n in [*(x for x, _ in domains)]]
        cleared = [_clear_monomial(e, sym) for e in mapped["equalities"]]
        # an equality may be negated freely; keep a positive leading coefficient (monomial - constant form)
        # (only where e is a polynomial: a constraint with other denominators, 1/(a*b*c) = 1, stays as it is)
        mapped["equalities"] = tuple(-e if e.is_polynomial(*gens) and sp.Poly(e, *gens).LC() < 0 else e
                                     for e in cleared)
        mapped["inequalities"] = tuple((_clear_monomial(g, sym), st) for g, st in mapped["inequalities"])
    return replace(state, domains=domains, **mapped)


def _clear_monomial(expr: sp.Expr, sym: sp.Symbol) -> sp.Expr:
    """expr * sym**j for the least j making it free of negative powers of sym (sym > 0, so signs are kept)."""
    expanded = with_roots_held(sp.expand, expr)
    low = min((term.as_powers_dict().get(sym, 0) for term in sp.Add.make_args(expanded)), default=0)
    return with_roots_held(sp.expand, expanded * sym ** (-low)) if low < 0 else expanded


def eq_rewrite(state: State, index: int, expr: str) -> State:
    """Replace the goal expression by `expr`, equal to it wherever equality `index` holds.

    Checked: numerator(old - new) is divisible by the equality's polynomial, and every divisor of `expr` is a
    polynomial with nonnegative coefficients in positive variables (so `expr` is defined everywhere)."""
    if not isinstance(index, int) or not 0 <= index < len(state.equalities):
        raise StepError(f"no equality number {index}")
    gens = [state.symbols[n] for n in state.names]
    new = parse_math(str(expr), state.symbols)
    roots = {node for node in sp.preorder_traversal(new) if node.is_Pow and not node.exp.is_Integer}
    if roots - set(sp.preorder_traversal(state.expr)):  # a new root could be undefined where the goal is defined
        raise StepError("the rewritten goal may only use roots that the goal has")
    for node in sp.preorder_traversal(new):
        if node.is_Pow and node.exp.is_Rational and node.exp < 0:
            base = sp.Poly(sp.fraction(sp.together(node.base))[0], *gens)
            used = {str(x) for x in node.base.free_symbols}
            if any(c < 0 for c in base.coeffs()) or base.is_zero or \
                    any(state.domain(n) != "positive" for n in used):
                raise StepError(f"divisor {node.base} of the rewritten goal may vanish")
    num, _ = with_roots_held(lambda e: sp.fraction(sp.together(e)), state.expr - new)
    try:
        q, r = sp.div(sp.Poly(sp.expand(num), *gens), sp.Poly(state.equalities[index], *gens))
    except sp.PolynomialError:
        raise StepError("eq_rewrite needs polynomial constraints and rational goals") from None
    if not r.is_zero:
        raise StepError("the rewritten goal differs from the goal on the constraint set")
    return replace(state, expr=new)


def _replace_radical(expr: sp.Expr, base: sp.Expr, q: int, new: sp.Symbol) -> sp.Expr:
    if expr.is_Pow and expr.base == base and expr.exp.is_Rational and (expr.exp * q).is_Integer:
        return new ** int(expr.exp * q)
    if not expr.args:
        return expr
    args = [_replace_radical(arg, base, q, new) for arg in expr.args]
    if expr.is_Pow and args[1].is_Rational:  # cbrt(sqrt(y - 1)*(v - 2)) must not split once sqrt(y - 1) is w >= 0
        return checked_power(args[0], args[1], f"replacing a radical in {expr}", StepError)
    return expr.func(*args)


def radical(state: State, base: str, q: int, new: str) -> State:
    _fresh(state, new)
    if not isinstance(q, int) or not 2 <= q <= MAX_POWER_SUB:
        raise StepError(f"root order q must be an integer in 2..{MAX_POWER_SUB}")
    if any(d == "real" for _, d in state.domains):
        raise StepError("radicals are only handled over nonnegative variables")
    base_expr = parse_math(base, state.symbols)
    # new >= 0 with new**q = base restricts to base >= 0: sound only where base's roots already make the goal or a
    # constraint undefined elsewhere
    if not any(node.is_Pow and node.base == base_expr and not node.exp.is_Integer and (node.exp * q).is_Integer
               for e in (state.expr, *state.equalities, *(g for g, _ in state.inequalities))
               for node in sp.preorder_traversal(e)):
        raise StepError(f"no root of {base} with order dividing {q} in the goal or constraints")
    sym = make_symbol(new, "nonnegative")
    mapped = _map_all(state, lambda e: _replace_radical(e, base_expr, q, sym))
    mapped["equalities"] = mapped["equalities"] + (with_roots_held(sp.expand, sym**q - base_expr),)
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
    mapped = _map_all(state, lambda e: substitute(e, sub))
    kept = tuple((g, s) for (g, s), (g0, s0) in zip(mapped["inequalities"], state.inequalities)
                 if not (s0 and sp.expand(g0) in needed))
    mapped["inequalities"] = kept
    return replace(state, domains=tuple((n, "positive") for n in new), **mapped)


def shift(state: State, vars: list[str], new: list[str], indices: list[int]) -> State:
    """Real variables with a bound k*(var - c) >= 0 (> 0) each, the inequality at its index, become var = c + new
    for k > 0, or var = c - new for k < 0, with new nonnegative (positive): a bijection of the bounded reals onto
    the new domain, so the bounds are dropped. JBMO 2003's x > -1 becomes x = u - 1 with u > 0. All at once, so
    that sqrt(a*b) with a, b >= 0 becomes sqrt(u*v) and never passes through sqrt(a*v) (which SymPy would split,
    `substitute` refuses). Expressions keep their written form (1 + y + z^2 becomes v + (w - 1)^2, which
    `polynomial_goal` can certify as a nonnegative divisor)."""
    if not (isinstance(vars, list) and isinstance(new, list) and isinstance(indices, list)) or \
            not 0 < len(vars) == len(new) == len(indices):
        raise StepError("shift needs lists vars, new and indices of one length")
    if len(set(vars)) != len(vars) or len(set(new)) != len(new) or len(set(indices)) != len(indices):
        raise StepError("shift needs distinct variables, new names and constraint indices")
    mapping, renamed = {}, {}
    for var, name, index in zip(vars, new, indices):
        if var not in state.names:
            raise StepError(f"unknown variable {var!r}")
        _fresh(state, name)
        if state.domain(var) != "real":
            raise StepError("a shift substitution needs a real variable (its bound becomes the new variable's domain)")
        if not isinstance(index, int) or not 0 <= index < len(state.inequalities):
            raise StepError(f"no inequality constraint {index!r}")
        g, strict = state.inequalities[index]
        old = state.symbols[var]
        if g.free_symbols != {old} or not g.is_polynomial(old) or sp.degree(g, old) != 1:
            raise StepError(f"constraint {index} is not a bound on {var} alone")
        k = sp.expand(g).coeff(old, 1)
        c = -sp.expand(g).coeff(old, 0) / k
        if not (k.is_Rational and c.is_Rational):
            raise StepError(f"constraint {index} must have rational coefficients")
        domain = "positive" if strict else "nonnegative"
        sym = make_symbol(name, domain)
        mapping[old] = c + sym if k > 0 else c - sym
        renamed[var] = (name, domain)
    domains = tuple(renamed.get(n, (n, d)) for n, d in state.domains)
    mapped = _map_all(state, lambda e: substitute(e, mapping))
    mapped["inequalities"] = tuple(gs for i, gs in enumerate(mapped["inequalities"]) if i not in indices)
    return replace(state, domains=domains, **mapped)


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


def interior(state: State) -> State:
    """Prove the goal for positive values only; the nonnegative boundary follows by continuity.

    Sound when there are no constraints, the goal is not strict, and every fractional power has a base that is a
    polynomial with nonnegative coefficients (defined and continuous on the closed orthant): a boundary point where
    the goal is defined is then a limit of interior points where it is defined, so f >= 0 passes to the limit."""
    if state.equalities or state.inequalities or state.strict:
        raise StepError("interior needs an unconstrained, non-strict goal")
    if not any(d == "nonnegative" for _, d in state.domains) or any(d == "real" for _, d in state.domains):
        raise StepError("interior needs nonnegative (and no real) variables")
    gens = list(state.symbols.values())
    for node in sp.preorder_traversal(state.expr):
        if node.is_Pow and not node.exp.is_Integer:
            try:
                base = sp.Poly(node.base, *gens)
            except sp.PolynomialError:
                raise StepError(f"radical base {node.base} is not a polynomial") from None
            if any(c < 0 for c in base.coeffs()) or node.exp < 0:
                raise StepError(f"radical {node} may be undefined near the boundary")
    old = state.symbols
    domains = tuple((n, "positive") for n, _ in state.domains)
    sub = {old[n]: make_symbol(n, "positive") for n, _ in state.domains}
    return replace(state, domains=domains, expr=substitute(state.expr, sub))


def _clear_equality(e: sp.Expr) -> sp.Expr:
    """The numerator of e in lowest terms: it vanishes wherever e is defined and 0 (the zero set can only grow)."""
    num, _ = with_roots_held(lambda x: sp.fraction(sp.cancel(sp.together(x))), e)
    return with_roots_held(sp.expand, num)


def _clear_inequality(g: sp.Expr) -> sp.Expr:
    """num * den for g = num / den in lowest terms: the same sign wherever g is defined (den != 0 there)."""
    num, den = with_roots_held(lambda x: sp.fraction(sp.cancel(sp.together(x))), g)
    return with_roots_held(sp.expand, num * den)


def ratio_sub(state: State, index: int, new: list[str]) -> State:
    """Equality x1*x2*...*xk = d (distinct positive variables, d > 0 rational, k >= 2) becomes the substitution
    x1 = d*y1/y2, x2 = y2/y3, ..., xk = yk/y1 with y positive (IMO 2000: a = x/y, b = y/z, c = z/x).

    Onto the constraint set: for x's with product d, y1 = 1, y_i = x_i*...*x_k (i >= 2) map back to them. So the
    equality is dropped (it holds identically), the other constraints are carried over with their positive
    monomial denominators cleared, and the new goal for all positive y implies the old one."""
    if not isinstance(index, int) or not 0 <= index < len(state.equalities):
        raise StepError(f"no equality number {index}")
    gens = [state.symbols[n] for n in state.names]
    terms = sp.Poly(state.equalities[index], *gens, domain="QQ").terms()
    if len(terms) != 2 or sum(terms[1][0]) != 0 or terms[0][1] == 0 or any(e > 1 for e in terms[0][0]):
        raise StepError("ratio_sub needs an equality x1*...*xk - d = 0 in distinct variables")
    constant = -terms[1][1] / terms[0][1]
    involved = [n for n, e in zip(state.names, terms[0][0]) if e]
    if constant <= 0 or len(involved) < 2:
        raise StepError("ratio_sub needs a product of at least two variables equal to a positive constant")
    if any(state.domain(n) != "positive" for n in involved):
        raise StepError("ratio_sub needs positive variables")
    if not isinstance(new, list) or len(new) != len(involved) or len(set(new)) != len(new):
        raise StepError(f"ratio_sub needs {len(involved)} distinct new names")
    for name in new:
        _fresh(state, name)
    ys = [make_symbol(n, "positive") for n in new]
    k = len(ys)
    sub = {state.symbols[v]: (sp.Rational(constant) if i == 0 else 1) * ys[i] / ys[(i + 1) % k]
           for i, v in enumerate(involved)}
    if sp.expand(state.equalities[index].xreplace(sub)) != 0:
        raise StepError("the ratio substitution does not satisfy the equality")  # cannot happen; kept as a guard
    renamed = dict(zip(involved, new))
    domains = tuple((renamed.get(n, n), d) for n, d in state.domains)
    equalities = tuple(_clear_equality(substitute(e, sub)) for i, e in enumerate(state.equalities) if i != index)
    inequalities = tuple((_clear_inequality(substitute(g, sub)), st) for g, st in state.inequalities)
    expr = sp.Add(*(substitute(t, sub) for t in sp.Add.make_args(with_roots_held(sp.expand, state.expr))))
    return replace(state, domains=domains, expr=expr, equalities=equalities,
                   inequalities=inequalities)


def _undefined_at(expr: sp.Expr, sym: sp.Symbol, value: sp.Rational) -> bool:
    """True when some divisor of `expr` (as `polynomial_goal` reads them) vanishes identically at sym = value."""
    for term in sp.Add.make_args(sp.expand(expr)):
        for base, _ in _denominators(term):
            if sp.expand(base.xreplace({sym: value})) == 0:
                return True
    return False


def mobius(state: State, var: str, new: str, p, q, r, s) -> State:
    """var = (p*new + q) / (r*new + s) for a real variable (p*s - q*r != 0, rationals): IMO 2008's x = a/(a - 1).

    For r != 0 this is a bijection from new != -s/r onto var != p/r, so it needs the goal to be undefined at
    var = p/r (a divisor vanishing there identically); for r = 0 it is an affine bijection of the reals. Each
    rewritten term of the goal is put in lowest terms (defined at least wherever it was, same value), equalities
    keep their numerators and inequalities num*den (zero sets and signs agree wherever they were defined)."""
    if var not in state.names:
        raise StepError(f"unknown variable {var!r}")
    _fresh(state, new)
    if state.domain(var) != "real":
        raise StepError("mobius substitution needs a real variable")
    try:
        p, q, r, s = (parse_rational(x) for x in (p, q, r, s))
    except ParseError:
        raise StepError("mobius coefficients must be rationals") from None
    if p * s - q * r == 0 or (r == 0 and s == 0):
        raise StepError("mobius map must be invertible (p*s - q*r != 0)")
    old, sym = state.symbols[var], make_symbol(new, "real")
    if r != 0 and not _undefined_at(state.expr, old, p / r):
        raise StepError(f"the goal must be undefined at {var} = {p / r}, which the substitution cannot reach")
    image = (p * sym + q) / (r * sym + s)
    domains = tuple((new, d) if n == var else (n, d) for n, d in state.domains)
    # the expanded terms are the ones `polynomial_goal` reads divisors from: each is defined at every point the
    # old claim covers, so its image in lowest terms is defined at the preimage, with the same value
    expr = sp.Add(*(with_roots_held(sp.cancel, substitute(t, {old: image})) if t.has(old) else t
                    for t in sp.Add.make_args(with_roots_held(sp.expand, state.expr))))
    return replace(state, domains=domains, expr=expr,
                   equalities=tuple(_clear_equality(substitute(e, {old: image})) for e in state.equalities),
                   inequalities=tuple((_clear_inequality(substitute(g, {old: image})), st)
                                      for g, st in state.inequalities))


def scale(state: State, total) -> State:
    """Add x1 + ... + xn = total for a goal invariant under positive scaling (see the module doc)."""
    k = parse_rational(str(total))
    if not k > 0:
        raise StepError("scale needs a positive total")
    if state.equalities:
        raise StepError("scale needs a goal without equality constraints")
    if any(d == "real" for _, d in state.domains):
        raise StepError("scale needs nonnegative or positive variables")
    positive = all(d == "positive" for _, d in state.domains)
    if state.strict and not positive:
        raise StepError("a strict goal is scaled only over positive variables (the origin is not reached)")
    gens = [state.symbols[n] for n in state.names]
    for g, _ in state.inequalities:
        if not (g.is_polynomial(*gens) and sp.Poly(g, *gens).is_homogeneous):
            raise StepError(f"inequality constraint {g} >= 0 is not a homogeneous polynomial")
    N, D = polynomial_goal(state)
    if not (N.is_homogeneous and D.is_homogeneous):
        raise StepError("scale needs a goal N / D with N and D homogeneous")
    if not positive and not N.is_zero and N.total_degree() == 0:
        raise StepError("a goal of degree 0 over nonnegative variables is scaled only over positive ones")
    return replace(state, equalities=(sp.Add(*gens) - k,))


def _nonnegative(e: sp.Expr, state: State) -> bool:
    """Syntactically >= 0 wherever e is defined on the domain: nonnegative rationals and nonnegative variables under
    + and *, even integer powers of anything, other integer powers and roots of nonnegative bases (a root is taken
    only of a base that is itself syntactically nonnegative, so no convention for roots of negatives is involved)."""
    if e.is_Rational:
        return e >= 0
    if e.is_Symbol:
        name = str(e)
        return name in state.names and state.domain(name) != "real" and e == state.symbols[name]
    if e.is_Add or e.is_Mul:
        return all(_nonnegative(a, state) for a in e.args)
    if e.is_Pow and e.exp.is_Rational:
        return (e.exp.is_Integer and e.exp % 2 == 0) or _nonnegative(e.base, state)
    return False


def sides(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(P, N) with expr = P - N: P the terms with a positive rational coefficient, N minus the others."""
    terms = sp.Add.make_args(expr)
    positive = [t for t in terms if t.as_coeff_Mul()[0] > 0]
    return sp.Add(*positive), -sp.Add(*(t for t in terms if t.as_coeff_Mul()[0] <= 0))


def power_sides(state: State, q: int) -> State:
    """P - N >= 0 (> 0) becomes P**q - N**q >= 0 (> 0), expanded, for P >= 0 and, unless q is even, N >= 0 (see
    the module doc)."""
    if not isinstance(q, int) or not 2 <= q <= MAX_POWER_SUB:
        raise StepError(f"power q must be an integer in 2..{MAX_POWER_SUB}")
    P, N = sides(state.expr)
    if not _nonnegative(P, state):
        raise StepError("power_sides needs the positive side of the goal syntactically nonnegative")
    if q % 2 and not _nonnegative(N, state):
        raise StepError("power_sides with an odd power needs both sides of the goal syntactically nonnegative")
    return replace(state, expr=with_roots_held(sp.expand, P**q - N**q))


STEPS = {"eq_rewrite": eq_rewrite, "interior": interior, "power_sub": power_sub, "radical": radical, "ravi": ravi,
         "eq_root": eq_root, "ratio_sub": ratio_sub, "mobius": mobius, "power_sides": power_sides,
         "scale": scale, "shift": shift}


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


def _denominators(expr: sp.Expr) -> list[tuple[sp.Expr, int]]:
    """(polynomial b, k) for every divisor b**k of `expr`; expr is undefined where any b vanishes."""
    out = []
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_Integer and node.exp < 0:
            num, _ = sp.fraction(sp.together(node.base))  # the base's own divisors are separate nodes
            out.append((sp.expand(num), int(-node.exp)))
    return out


def _written_divisors(expr: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """Each divisor's expanded numerator (as `_denominators` gives it) -> the numerator as written in `expr`, whose
    form may show a sign that the expanded one hides: v + (w - 1)**2."""
    out: dict[sp.Expr, sp.Expr] = {}
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_Integer and node.exp < 0:
            num, _ = sp.fraction(sp.together(node.base))
            out.setdefault(sp.expand(num), num)
    return out


def is_polynomial_state(state: State) -> bool:
    """True when expr and all constraints are rational functions of the state's variables (no radicals left)."""
    gens = set(state.symbols.values())
    for e in (state.expr, *state.equalities, *(g for g, _ in state.inequalities)):
        if not e.free_symbols <= gens:
            return False
        roots = [node for node in sp.preorder_traversal(e) if node.is_Pow and not node.exp.is_Integer]
        if any(node.free_symbols for node in roots):
            return False
        # constant radicals are fine when they cancel exactly on expansion (the rest of a radical bound:
        # sqrt(2)*(u + v)/2 + ... - sqrt(2)*u - ... is 0)
        if roots and any(node.is_Pow and not node.exp.is_Integer for node in sp.preorder_traversal(sp.expand(e))):
            return False
    return True


@lru_cache(maxsize=512)  # a pure function of the (immutable) state; the search asks for it more than once per node
def polynomial_goal(state: State) -> tuple[sp.Poly, sp.Poly]:
    """(N, D) with expr = N / D and D >= 0 on the domain, D vanishing only where expr is undefined.

    D is the product of the expression's own divisors (so D = 0 only where expr is undefined); each odd-power
    divisor must have coefficients of one sign over nonnegative variables, or be syntactically nonnegative as written
    in expr (`_nonnegative`: v + (w - 1)**2). N = expr * D must be a polynomial."""
    if not is_polynomial_state(state):
        raise StepError("radicals or foreign symbols remain; substitute them first")
    gens = [state.symbols[n] for n in state.names]
    nonneg = {n for n, d in state.domains if d != "real"}
    merged: dict[sp.Expr, int] = {}
    terms = sp.Add.make_args(sp.expand(state.expr))
    for term in terms:  # (a + 1/a)**2 expands to a**2 + 2 + a**-2: multiplicities are read off expanded terms
        local: dict[sp.Expr, int] = {}
        for base, k in _denominators(term):
            local[base] = local.get(base, 0) + k
        for base, k in local.items():
            merged[base] = max(merged.get(base, 0), k)
    written = _written_divisors(state.expr)
    D, sign = sp.Poly(1, *gens, domain="QQ"), 1
    for base, k in merged.items():
        poly = sp.Poly(base, *gens, domain="QQ")
        if k % 2:
            coeffs = poly.coeffs()
            used = {str(s) for s in base.free_symbols}
            one_sign = used <= nonneg and (all(c >= 0 for c in coeffs) or all(c <= 0 for c in coeffs))
            if not one_sign and not _nonnegative(written.get(base, sp.S.NegativeOne), state):
                raise StepError(f"cannot certify the sign of denominator {base}")
            if one_sign and all(c <= 0 for c in coeffs):
                sign = -sign
        D = D * poly**k
    D = D * sign
    Dexpr = D.as_expr()
    N = sp.Poly(0, *gens, domain="QQ")
    for term in terms:
        part = sp.cancel(term * Dexpr)
        try:
            N += sp.Poly(part, *gens, domain="QQ")
        except sp.PolynomialError:
            raise StepError("clearing denominators did not give a polynomial") from None
    return N, D
