"""Independent exact checker for inequality certificates.

It trusts nothing from the search: it re-parses the problem statement stored in the certificate, replays the
recorded steps (`transforms`), clears denominators itself, and verifies in exact rational arithmetic that

    N - sum_j h_j * e_j  ==  sum_k term_k          (an identity of polynomials)

(with N first multiplied by an optional `multiplier` M that is checked to be > 0 on the domain)
where e_j are the state's equalities, h_j the certificate's multipliers, and every term is nonnegative on the domain
by a rule checked here: `mono` c*M, `sq` c*M*p**2, `amgm` c*M*(sum w_i x**a_i - x**(sum w_i a_i)) with w >= 0
summing to 1 (weighted AM-GM), `schur` c*M*Schur_t(x, y, z); M is a product of nonnegative variables, even powers of
real ones, and the problem's inequality constraints g >= 0. Or, instead of terms, `buffalo`: after every ordering
x_(1) <= ... <= x_(n) the difference substitution yields nonnegative coefficients. Strict goals additionally need a
`mono` term that is strictly positive on the domain. Or `bounds` (positive variables): terms of the goal replaced by
lower bounds, each bound and the rest proved by nested certificates (see `_check_bounds`; IMO 2001's tangent trick
a/sqrt(a^2 + 8bc) >= a^(4/3)/(a^(4/3) + b^(4/3) + c^(4/3)); APMO 1996's sqrt(y^2 + z^2) >= (y + z)/sqrt(2), checked
as y^2 + z^2 >= (y + z)^2/2).

The recorded steps are replayed by `transforms.apply_step`, which checks each one's side conditions (see its module
doc): e.g. `ratio_sub` (x1*...*xk = d becomes x1 = d*y1/y2, ..., xk = yk/y1, an onto map of the constraint set) and
`mobius` (real x = (p*a + q)/(r*a + s), onto x != p/r, accepted only where the goal is undefined at x = p/r).

The trusted base is this module, `transforms.py` and `parse.py`.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass

import sympy as sp

from reasoning.ineq.parse import ParseError, parse_math, parse_rational
from reasoning.ineq.problem import Problem
from reasoning.ineq.transforms import State, StepError, apply_step, initial_state, polynomial_goal

FORMAT = "reasoning-ineq-certificate/1"
MAX_TERMS = 20000
MAX_STEPS = 32
MAX_SCHUR_T = 24
MAX_BOUNDS = 8
MAX_BUFFALO_VARS = 6
# characters of one certificate polynomial: the exact SOS terms of JBMO 2003 (degree 6, three variables) carry
# rationals of hundreds of digits and reach 6,600 characters, beyond the parser's limit for statements
MAX_POLY_TEXT = 50_000
MAX_EXPANDED_TERMS = 200_000  # bound on a certificate polynomial's terms before expanding it ((a+...+h)^64 is 20 chars)
MAX_TERM_POWER = 64  # of a variable or constraint in a multiplier, and of an amgm point's exponents
MAX_PROOF_TEXT = 2_000_000  # characters of a whole proof (its JSON): bounds the parsing and squaring work (seconds)
MAX_BOUND_DEPTH = 1  # a bounds proof's nested certificates are plain ones


@dataclass(frozen=True)
class CheckResult:
    """`status` is 'valid', 'invalid' (a check failed) or 'malformed' (the document cannot be read)."""

    status: str
    reason: str

    @property
    def valid(self) -> bool:
        return self.status == "valid"


class _Invalid(Exception):
    pass


def _rational(text) -> sp.Rational:
    try:
        return parse_rational(text)
    except ParseError:
        raise _Invalid(f"not a rational number: {text!r}") from None


def _term_bound(e: sp.Expr) -> int:
    """An upper bound on the number of terms of e expanded (capped far above MAX_EXPANDED_TERMS)."""
    cap = 10 * MAX_EXPANDED_TERMS
    if e.is_Add:
        return min(cap, sum(_term_bound(a) for a in e.args))
    if e.is_Mul:
        out = 1
        for a in e.args:
            out = min(cap, out * _term_bound(a))
        return out
    if e.is_Pow and e.exp.is_Integer and e.exp > 1:
        n, k = _term_bound(e.base), int(e.exp)
        return cap if n > cap else min(cap, math.comb(n + k - 1, k))
    return 1


def _polynomial(text, state: State, gens, what: str) -> sp.Poly:
    """`text` as a polynomial with rational coefficients in `gens`, converted before any arithmetic.

    Anything else is refused: sqrt(-1) would square to -1, sqrt(a - 2) to a - 2, and -4/(abc - 1) times the
    equality abc - 1 would cancel to a constant that holds nowhere on the constraint set.
    """
    try:
        expr = parse_math(str(text), state.symbols, MAX_POLY_TEXT)
        if _term_bound(expr) > MAX_EXPANDED_TERMS:
            raise _Invalid(f"{what} would expand to more than {MAX_EXPANDED_TERMS} terms")
        return sp.Poly(expr, *gens, domain="QQ")
    except ParseError as error:
        raise _Invalid(f"{what} must be a polynomial with rational coefficients: {error}") from error
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed, sp.polys.polyerrors.GeneratorsNeeded) as error:
        raise _Invalid(f"{what} must be a polynomial with rational coefficients: {text!r}") from error


def _multiplier(state: State, mult: dict, gens, strict_needed: bool) -> tuple[sp.Expr, bool]:
    """Returns (M, M > 0 on the domain) after checking M >= 0 there."""
    value, positive = sp.Integer(1), True
    symbols = state.symbols
    for key, power in mult.items():
        if not isinstance(power, int) or not 0 <= power <= MAX_TERM_POWER:
            raise _Invalid(f"multiplier power must be an integer in 0..{MAX_TERM_POWER}: {key}^{power!r}")
        if key in symbols:
            domain = state.domain(key)
            if domain == "real" and power % 2:
                raise _Invalid(f"odd power of real variable {key} in a multiplier")
            positive &= domain == "positive" or power == 0
            value *= symbols[key] ** power
        elif key.startswith("g") and key[1:].isdigit() and int(key[1:]) < len(state.inequalities):
            g, strict = state.inequalities[int(key[1:])]
            positive &= strict or power == 0
            value *= g ** power
        else:
            raise _Invalid(f"unknown multiplier atom {key!r}")
    return value, positive


def _check_amgm(state: State, term: dict) -> sp.Expr:
    names = state.names
    points = term.get("points", [])
    weights = [_rational(w) for w in term.get("weights", [])]
    if not points or len(points) != len(weights) or any(len(p) != len(names) for p in points):
        raise _Invalid("amgm term needs matching points and weights over all variables")
    if any(w < 0 for w in weights) or sum(weights) != 1:
        raise _Invalid("amgm weights must be nonnegative and sum to 1")
    target = [sum(w * p[i] for w, p in zip(weights, points)) for i in range(len(names))]
    if any(not t.is_Integer for t in target) or \
            any(not isinstance(e, int) or not 0 <= e <= MAX_TERM_POWER for p in points for e in p):
        raise _Invalid(f"amgm exponents must be integers in 0..{MAX_TERM_POWER} with an integral weighted mean")
    for i, name in enumerate(names):
        # sum w |x|^a >= |x|^b >= x^b, and |x|^a = x^a for even a: only the points need even exponents
        if state.domain(name) == "real" and any(p[i] % 2 for p in points):
            raise _Invalid(f"amgm over real variable {name} needs even exponents in its points")
    gens = [state.symbols[n] for n in names]
    mono = lambda e: sp.Mul(*(g**int(k) for g, k in zip(gens, e)))
    return sum(w * mono(p) for w, p in zip(weights, points)) - mono(target)


def _check_schur(state: State, term: dict) -> sp.Expr:
    names, t = term.get("vars", []), term.get("t")
    if len(names) != 3 or len(set(names)) != 3 or any(n not in state.names for n in names):
        raise _Invalid("schur term needs three distinct variables")
    if any(state.domain(n) == "real" for n in names) or not isinstance(t, int) or not 0 <= t <= MAX_SCHUR_T:
        raise _Invalid("schur term needs nonnegative variables and an integer t >= 0")
    x, y, z = (state.symbols[n] for n in names)
    return x**t * (x - y) * (x - z) + y**t * (y - x) * (y - z) + z**t * (z - x) * (z - y)


def _term_value(state: State, term: dict, gens) -> tuple[sp.Poly, bool]:
    """(value of the term, strictly positive on the domain) after checking it is nonnegative there; Poly arithmetic
    (squaring a long sq polynomial as a SymPy expression takes seconds)."""
    c = _rational(term.get("c", "1"))
    if c < 0:
        raise _Invalid("term coefficient must be nonnegative")
    mult, positive = _multiplier(state, term.get("mult", {}), gens, False)
    scaled = sp.Poly(c * mult, *gens, domain="QQ")
    kind = term.get("kind")
    if kind == "mono":
        return scaled, positive and c > 0
    if kind == "sq":
        p = _polynomial(term.get("poly", ""), state, gens, "an sq term's poly")
        return scaled * p**2, False
    if kind == "amgm":
        return scaled * sp.Poly(_check_amgm(state, term), *gens, domain="QQ"), False
    if kind == "schur":
        return scaled * sp.Poly(_check_schur(state, term), *gens, domain="QQ"), False
    raise _Invalid(f"unknown term kind {kind!r}")


def _buffalo_ok(state: State, R: sp.Poly) -> bool:
    if any(d == "real" for _, d in state.domains):
        raise _Invalid("buffalo certificate needs nonnegative variables")
    gens = list(R.gens)
    if len(gens) > MAX_BUFFALO_VARS:  # one substitution per ordering: n! of them
        raise _Invalid(f"buffalo certificates cover at most {MAX_BUFFALO_VARS} variables")
    ts = sp.symbols(f"t0:{len(gens)}", nonnegative=True)
    for order in itertools.permutations(range(len(gens))):
        # variable order[k] becomes t0 + ... + tk; composed in exact polynomial arithmetic (not Expr expansion)
        sums = {i: sp.Poly(sum(ts[: k + 1]), *ts, domain="QQ") for k, i in enumerate(order)}
        powers: dict[tuple[int, int], sp.Poly] = {}
        shifted = sp.Poly(0, *ts, domain="QQ")
        for monom, c in R.terms():
            term = sp.Poly(c, *ts, domain="QQ")
            for i, e in enumerate(monom):
                if e:
                    if (i, e) not in powers:
                        powers[(i, e)] = sums[i] ** e
                    term = term * powers[(i, e)]
            shifted = shifted + term
        if any(c < 0 for c in shifted.coeffs()):
            return False
    return True


def _positive_multiplier(state: State, text: str, gens) -> sp.Poly:
    """M > 0 on the domain: nonnegative coefficients, nonnegative variables, and a positive term in positive ones."""
    M = _polynomial(text, state, gens, "the multiplier")
    positive_vars = {i for i, g in enumerate(gens) if state.domain(str(g)) == "positive"}
    nonneg_vars = {i for i, g in enumerate(gens) if state.domain(str(g)) != "real"}
    strict = False
    for monom, c in M.terms():
        used = {i for i, e in enumerate(monom) if e}
        if c < 0 or not used <= nonneg_vars:
            raise _Invalid("the multiplier must have nonnegative coefficients over nonnegative variables")
        strict |= c > 0 and used <= positive_vars
    if not strict:
        raise _Invalid("the multiplier needs a positive term in positive variables (so it is never 0)")
    return M


def _positive_expr(e: sp.Expr, state: State) -> bool:
    """Syntactically > 0 on the domain: positive rationals and positive variables under +, * and rational powers."""
    if e.is_Rational:
        return e > 0
    if e.is_Symbol:
        return str(e) in state.names and state.domain(str(e)) == "positive" and e == state.symbols[str(e)]
    if e.is_Add or e.is_Mul:
        return all(_positive_expr(a, state) for a in e.args)
    if e.is_Pow:
        return e.exp.is_Rational and _positive_expr(e.base, state)
    return False


def _defined_everywhere(e: sp.Expr, state: State) -> bool:
    """Every divisor and radical base of e is syntactically positive: e is defined (and continuous) on the domain."""
    for node in sp.preorder_traversal(e):
        if node.is_Pow:
            if not node.exp.is_Rational:
                return False
            if not (node.exp.is_Integer and node.exp >= 0) and not _positive_expr(node.base, state):
                return False
        elif not (node.is_Add or node.is_Mul or node.is_Rational or node.is_Symbol):
            return False
        elif node.is_Symbol and str(node) not in state.names:
            return False
    return True


def bound_problem(state: State, goal: str) -> Problem:
    """The statement a nested certificate of a `bounds` proof must prove: `goal` over the state's variables and
    constraints (written back as text; the checker and the prover build it with this one function)."""
    constraints = [f"{sp.sstr(e)} = 0" for e in state.equalities]
    constraints += [f"{sp.sstr(g)} {'>' if strict else '>='} 0" for g, strict in state.inequalities]
    domains = {d for _, d in state.domains}
    if domains != {"positive"}:
        raise _Invalid("a bounds proof needs positive variables")
    return Problem(id="bound", vars=state.names, domain="positive", goal=goal, constraints=tuple(constraints))


def square_claim(old: sp.Expr, new: sp.Expr, state: State) -> str:
    """What a bound old = c*T >= new = c*B (`"by": "square"`) needs proved, for c rational and T a product with a
    radical in it, syntactically positive on the domain (`_positive_expr`), such that T^2 and B^2 are rational:
    - c > 0: 'T^2 >= B^2'; then T >= |B| >= B whatever the sign of B (APMO 1996: sqrt(y^2 + z^2) >= (y + z)/sqrt(2)
      from y^2 + z^2 >= (y + z)^2/2; a/sqrt(b + c) >= 2*sqrt(2)*a/(b + c + 2) from a^2/(b + c) >= 8a^2/(b + c + 2)^2);
    - c < 0: 'B^2 >= T^2' with B syntactically positive too; then B >= T (AM-GM on a radical,
      sqrt(R1*R2) <= (R1 + R2)/2, from ((R1 + R2)/2)^2 >= R1*R2).
    B may carry constant radicals (1/sqrt(2)) as long as B^2 is rational; a claim that does not square to a
    radical-free one is refused."""
    c, T = old.as_coeff_Mul()
    if not (c.is_Rational and c != 0 and any(node.is_Pow and not node.exp.is_Integer
                                             for node in sp.preorder_traversal(T))):
        raise _Invalid(f"a square bound needs c*T with c rational and a radical in T, got {old}")
    B = new / c
    if not _positive_expr(T, state) or (c < 0 and not _positive_expr(B, state)):
        raise _Invalid(f"a square bound needs {'both sides' if c < 0 else 'the radical term'} positive, got {old}")
    squares = [sp.expand(e) if e.is_polynomial() else sp.cancel(e) for e in (T**2, B**2)]  # one p/q, not p1/q + ...
    if any(node.is_Pow and not node.exp.is_Integer for e in squares for node in sp.preorder_traversal(e)):
        raise _Invalid(f"a square bound needs rational squares, got {squares[0]} and {squares[1]}")
    big, small = squares if c > 0 else squares[::-1]
    return f"{sp.sstr(big)} >= {sp.sstr(small)}"


def _invariant(state: State, sub: dict) -> bool:
    eqs = {sp.expand(e) for e in state.equalities}
    ineqs = {(sp.expand(g), st) for g, st in state.inequalities}
    return {sp.expand(e.xreplace(sub)) for e in state.equalities} == eqs and \
        {(sp.expand(g.xreplace(sub)), st) for g, st in state.inequalities} == ineqs


def _divisor_bases(expr: sp.Expr) -> list[sp.Expr]:
    from reasoning.ineq.transforms import _denominators

    return [b for term in sp.Add.make_args(sp.expand(expr)) for b, _ in _denominators(term)]


def _check_bounds(state: State, proof: dict, depth: int) -> CheckResult:
    """`bounds` proof: goal f = sum of terms; terms t_i are replaced by lower bounds b_i, each t_i >= b_i proved by a
    nested certificate (of t_i >= b_i itself, or with `"by": "square"` of a radical-free claim between their squares:
    `square_claim`; or as the image of an earlier bound under a variable permutation that fixes the domain and
    the constraints), and the rest (f with t_i -> b_i) >= 0 by another nested certificate. Then f >= rest >= 0.

    Sound where f is defined: t_i and b_i must be defined everywhere on the (positive) domain, so the nested claims
    cover every point, and every divisor of the rest is positive or already a divisor of f."""
    if depth >= MAX_BOUND_DEPTH:
        raise _Invalid("nested certificates may not use bounds again")
    bound_problem(state, "0 >= 0")  # positive variables only
    bounds = proof.get("bounds")
    if not isinstance(bounds, list) or not 1 <= len(bounds) <= MAX_BOUNDS:
        raise _Invalid(f"bounds must be a list of 1..{MAX_BOUNDS} entries")
    args = list(sp.Add.make_args(state.expr))
    symbols = state.symbols
    parsed: list[tuple[sp.Expr, sp.Expr]] = []
    nested: list[tuple[str, dict, Problem]] = []  # verified last: the structural checks are cheap
    for i, bound in enumerate(bounds):
        old = parse_math(str(bound["old"]), symbols)
        new = parse_math(str(bound["new"]), symbols)
        if not (_defined_everywhere(old, state) and _defined_everywhere(new, state)):
            raise _Invalid(f"bound {i}: both sides must be defined everywhere on the domain")
        if old not in args:
            raise _Invalid(f"bound {i}: {old} is not a term of the goal")
        args.remove(old)
        if "same_as" in bound:
            j, perm = bound["same_as"], bound.get("perm")
            if not isinstance(j, int) or not 0 <= j < i or not isinstance(perm, dict) or \
                    sorted(perm) != sorted(state.names) or sorted(perm.values()) != sorted(state.names):
                raise _Invalid(f"bound {i}: same_as needs an earlier bound and a permutation of the variables")
            sub = {symbols[k]: symbols[v] for k, v in perm.items()}
            if not _invariant(state, sub):
                raise _Invalid(f"bound {i}: the permutation does not fix the constraints")
            if old != parsed[j][0].xreplace(sub) or new != parsed[j][1].xreplace(sub):
                raise _Invalid(f"bound {i}: not the image of bound {j} under the permutation")
        else:
            if any(base for base in _divisor_bases(old - new) if not _positive_expr(base, state)):
                raise _Invalid(f"bound {i}: a divisor of old - new may vanish")
            if bound.get("by", "nested") not in ("nested", "square"):
                raise _Invalid(f"bound {i}: 'by' must be 'nested' or 'square'")
            square = bound.get("by") == "square"
            claim = square_claim(old, new, state) if square else f"{bound['old']} >= {bound['new']}"
            sub_problem = bound_problem(state, claim)
            nested.append((f"bound {i}", bound.get("certificate", {}), sub_problem))
        parsed.append((old, new))
    rest = sp.Add(*args, *(new for _, new in parsed))
    known = {sp.expand(b) for b in _divisor_bases(state.expr)}
    for base in _divisor_bases(rest):
        if not _positive_expr(base, state) and sp.expand(base) not in known:
            raise _Invalid(f"the rest has a divisor {base} the goal did not have")
    text = sp.sstr(rest)
    if parse_math(text, symbols) != rest:
        raise _Invalid("the rest does not read back as itself")
    rest_problem = bound_problem(state, f"{text} {'>' if state.strict else '>='} 0")
    nested.append(("rest", proof.get("rest", {}), rest_problem))
    for label, nested_cert, expected in nested:
        verdict = check_certificate(nested_cert, expected, depth + 1)
        if not verdict.valid:
            raise _Invalid(f"{label}: nested certificate: {verdict.reason}")
    return CheckResult("valid", f"{len(bounds)} term bounds and the rest hold (nested certificates valid)")


def _check(cert: dict, depth: int = 0) -> CheckResult:
    if cert.get("format") != FORMAT:
        raise _Invalid(f"format must be {FORMAT!r}")
    problem = Problem.from_dict(cert["problem"])
    state = initial_state(problem.parse())
    if len(json.dumps(cert["proof"])) > MAX_PROOF_TEXT:
        raise _Invalid(f"proof longer than {MAX_PROOF_TEXT} characters")
    steps = cert.get("steps", [])
    if len(steps) > MAX_STEPS:
        raise _Invalid(f"more than {MAX_STEPS} steps")
    for step in steps:
        state = apply_step(state, step)
    if "bounds" in cert["proof"]:
        return _check_bounds(state, cert["proof"], depth)
    N, _ = polynomial_goal(state)
    gens = N.gens
    proof = cert["proof"]
    multipliers = proof.get("equality_multipliers", ["0"] * len(state.equalities))
    if len(multipliers) != len(state.equalities):
        raise _Invalid(f"need {len(state.equalities)} equality multipliers, got {len(multipliers)}")
    R = N * _positive_multiplier(state, proof.get("multiplier", "1"), gens)
    for h, e in zip(multipliers, state.equalities):
        R = R - _polynomial(h, state, gens, "an equality multiplier") * sp.Poly(e, *gens, domain="QQ")
    if proof.get("buffalo"):
        if state.strict:
            raise _Invalid("buffalo certificates prove only non-strict goals")
        if not _buffalo_ok(state, R):
            raise _Invalid("a difference substitution has a negative coefficient")
        return CheckResult("valid", "buffalo: all orderings have nonnegative coefficients")
    terms = proof.get("terms", [])
    if len(terms) > MAX_TERMS:
        raise _Invalid(f"more than {MAX_TERMS} terms")
    total, strict_ok = sp.Poly(0, *gens, domain="QQ"), False
    for term in terms:
        value, positive = _term_value(state, term, gens)
        total += value
        strict_ok |= positive
    if R != total:
        raise _Invalid("the identity N - sum h_j e_j = sum of terms does not hold")
    if state.strict and not strict_ok:
        raise _Invalid("strict goal needs a strictly positive term")
    return CheckResult("valid", f"identity with {len(terms)} nonnegative terms holds exactly")


def check_certificate(cert: dict, expected: Problem | None = None, _depth: int = 0) -> CheckResult:
    """Re-verify a certificate document; never raises on bad input, returns a status instead.

    With `expected`, the certificate must also be about exactly that statement (vars, domain, constraints, goal)."""
    try:
        if expected is not None:
            stated = Problem.from_dict(cert["problem"])
            fields = ("vars", "domain", "constraints", "goal")
            if any(getattr(stated, f) != getattr(expected, f) for f in fields):
                return CheckResult("invalid", "the certificate proves a different statement")
        return _check(cert, _depth)
    except _Invalid as error:
        return CheckResult("invalid", str(error))
    except StepError as error:
        return CheckResult("invalid", f"step: {error}")
    except (ParseError, KeyError, TypeError, AttributeError, ArithmeticError, sp.PolynomialError,
            sp.polys.polyerrors.BasePolynomialError) as error:  # CoercionFailed: sqrt(2) where a rational is needed
        return CheckResult("malformed", f"{type(error).__name__}: {error}")
