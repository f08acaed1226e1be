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
`mono` term that is strictly positive on the domain.

The trusted base is this module, `transforms.py` and `parse.py`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from reasoning.ineq.parse import ParseError, parse_math
from reasoning.ineq.problem import Problem
from reasoning.ineq.transforms import State, StepError, apply_step, initial_state, polynomial_goal

FORMAT = "reasoning-ineq-certificate/1"
MAX_TERMS = 20000
MAX_STEPS = 32
MAX_SCHUR_T = 24


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
        value = sp.Rational(Fraction(str(text)))
    except (ValueError, ZeroDivisionError):
        raise _Invalid(f"not a rational number: {text!r}") from None
    return value


def _multiplier(state: State, mult: dict, gens, strict_needed: bool) -> tuple[sp.Expr, bool]:
    """Returns (M, M > 0 on the domain) after checking M >= 0 there."""
    value, positive = sp.Integer(1), True
    symbols = state.symbols
    for key, power in mult.items():
        if not isinstance(power, int) or power < 0:
            raise _Invalid(f"multiplier power must be a nonnegative integer: {key}^{power!r}")
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
    if any(not t.is_Integer for t in target) or any(not isinstance(e, int) or e < 0 for p in points for e in p):
        raise _Invalid("amgm exponents must be nonnegative integers with an integral weighted mean")
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


def _term_value(state: State, term: dict, gens) -> tuple[sp.Expr, bool]:
    """(value of the term, strictly positive on the domain) after checking it is nonnegative there."""
    c = _rational(term.get("c", "1"))
    if c < 0:
        raise _Invalid("term coefficient must be nonnegative")
    mult, positive = _multiplier(state, term.get("mult", {}), gens, False)
    kind = term.get("kind")
    if kind == "mono":
        return c * mult, positive and c > 0
    if kind == "sq":
        return c * mult * parse_math(str(term.get("poly", "")), state.symbols) ** 2, False
    if kind == "amgm":
        return c * mult * _check_amgm(state, term), False
    if kind == "schur":
        return c * mult * _check_schur(state, term), False
    raise _Invalid(f"unknown term kind {kind!r}")


def _buffalo_ok(state: State, R: sp.Poly) -> bool:
    if any(d == "real" for _, d in state.domains):
        raise _Invalid("buffalo certificate needs nonnegative variables")
    gens = list(R.gens)
    ts = sp.symbols(f"t0:{len(gens)}", nonnegative=True)
    for order in itertools.permutations(range(len(gens))):
        sub = {gens[i]: sum(ts[: k + 1]) for k, i in enumerate(order)}
        shifted = sp.Poly(R.as_expr().xreplace(sub), *ts, domain="QQ")
        if any(c < 0 for c in shifted.coeffs()):
            return False
    return True


def _positive_multiplier(state: State, text: str, gens) -> sp.Poly:
    """M > 0 on the domain: nonnegative coefficients, nonnegative variables, and a positive term in positive ones."""
    M = sp.Poly(parse_math(str(text), state.symbols), *gens, domain="QQ")
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


def _check(cert: dict) -> CheckResult:
    if cert.get("format") != FORMAT:
        raise _Invalid(f"format must be {FORMAT!r}")
    problem = Problem.from_dict(cert["problem"])
    state = initial_state(problem.parse())
    steps = cert.get("steps", [])
    if len(steps) > MAX_STEPS:
        raise _Invalid(f"more than {MAX_STEPS} steps")
    for step in steps:
        state = apply_step(state, step)
    N, _ = polynomial_goal(state)
    gens = N.gens
    proof = cert["proof"]
    multipliers = proof.get("equality_multipliers", ["0"] * len(state.equalities))
    if len(multipliers) != len(state.equalities):
        raise _Invalid(f"need {len(state.equalities)} equality multipliers, got {len(multipliers)}")
    R = N * _positive_multiplier(state, proof.get("multiplier", "1"), gens)
    for h, e in zip(multipliers, state.equalities):
        R = R - sp.Poly(parse_math(str(h), state.symbols) * e, *gens, domain="QQ")
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
        total += sp.Poly(value, *gens, domain="QQ")
        strict_ok |= positive
    if R != total:
        raise _Invalid("the identity N - sum h_j e_j = sum of terms does not hold")
    if state.strict and not strict_ok:
        raise _Invalid("strict goal needs a strictly positive term")
    return CheckResult("valid", f"identity with {len(terms)} nonnegative terms holds exactly")


def check_certificate(cert: dict, expected: Problem | None = None) -> CheckResult:
    """Re-verify a certificate document; never raises on bad input, returns a status instead.

    With `expected`, the certificate must also be about exactly that statement (vars, domain, constraints, goal)."""
    try:
        if expected is not None:
            stated = Problem.from_dict(cert["problem"])
            fields = ("vars", "domain", "constraints", "goal")
            if any(getattr(stated, f) != getattr(expected, f) for f in fields):
                return CheckResult("invalid", "the certificate proves a different statement")
        return _check(cert)
    except _Invalid as error:
        return CheckResult("invalid", str(error))
    except StepError as error:
        return CheckResult("invalid", f"step: {error}")
    except (ParseError, KeyError, TypeError, AttributeError, sp.PolynomialError) as error:
        return CheckResult("malformed", f"{type(error).__name__}: {error}")
