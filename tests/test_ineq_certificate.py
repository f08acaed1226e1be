"""Certificates: JSON round trip, the CLI checker, and corrupted certificates rejected by the exact checker."""

import copy
import json

import pytest
import sympy as sp

from reasoning.ineq import Problem, ProverConfig, check_certificate, prove
from reasoning.ineq.certificate import load_certificate, save_certificate
from reasoning.ineq.cli import main
from reasoning.ineq.lean import to_lean

CFG = ProverConfig(timeout_s=30, counterexample_samples=200)


@pytest.fixture(scope="module")
def certs():
    cases = {
        "terms": Problem(id="schur", vars=("a", "b", "c"), domain="nonnegative",
                         goal="a^3 + b^3 + c^3 + 3*a*b*c >= a^2*b + a^2*c + b^2*a + b^2*c + c^2*a + c^2*b"),
        "buffalo": Problem(id="nesbitt", vars=("a", "b", "c"), domain="positive",
                           goal="a/(b + c) + b/(c + a) + c/(a + b) >= 3/2"),
        "steps": Problem(id="abc1", vars=("a", "b", "c"), domain="positive", goal="a + b + c >= 3",
                         constraints=("a*b*c = 1",)),
        "radical": Problem(id="rad", vars=("a", "b"), domain="positive", goal="sqrt(a) + sqrt(b) >= sqrt(a + b)"),
    }
    out = {}
    for key, problem in cases.items():
        config = CFG if key != "terms" else ProverConfig(timeout_s=30, counterexample_samples=200, finishers=("lp",))
        result = prove(problem, config)
        assert result.status == "proved", (key, result)
        out[key] = result.certificate
    return out


def test_round_trip(certs, tmp_path):
    for key, cert in certs.items():
        path = tmp_path / f"{key}.json"
        save_certificate(cert, path)
        again = load_certificate(path)
        assert again == json.loads(json.dumps(cert))
        assert check_certificate(again).valid
        assert main(["ineq", "check", str(path)]) == 0


def _first_term(cert, kind=None):
    return next(t for t in cert["proof"]["terms"] if kind is None or t["kind"] == kind)


CORRUPTIONS = {
    "coefficient": lambda c: _first_term(c).update(c=str(eval_fraction(_first_term(c)["c"]) * 2)),
    "negative": lambda c: _first_term(c).update(c="-" + _first_term(c)["c"]),
    "drop_term": lambda c: c["proof"]["terms"].pop(),
    "goal": lambda c: c["problem"].update(goal=c["problem"]["goal"].replace(">=", ">= 1/100 +")),
    "domain": lambda c: c["problem"].update(domain="real"),
    "format": lambda c: c.update(format="something-else"),
    "multiplier_atom": lambda c: _first_term(c).update(mult={"g7": 1}),
}


def eval_fraction(text):
    from fractions import Fraction

    return Fraction(text)


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corrupted_term_certificates_are_rejected(certs, name):
    cert = copy.deepcopy(certs["terms"])
    CORRUPTIONS[name](cert)
    assert not check_certificate(cert).valid


def test_corrupted_buffalo_certificate_is_rejected(certs):
    cert = copy.deepcopy(certs["buffalo"])
    cert["problem"]["goal"] = "a/(b + c) + b/(c + a) + c/(a + b) >= 8/5"  # false: not every ordering works
    assert check_certificate(cert).status == "invalid"
    cert = copy.deepcopy(certs["buffalo"])
    cert["problem"]["domain"] = "real"
    assert not check_certificate(cert).valid


def test_corrupted_steps_are_rejected(certs):
    cert = copy.deepcopy(certs["steps"])
    cert["steps"][0]["k"] = 2  # a = x^2 no longer matches the eq_root step's cube
    assert not check_certificate(cert).valid
    cert = copy.deepcopy(certs["steps"])
    cert["proof"]["equality_multipliers"][0] = "0"
    assert not check_certificate(cert).valid
    cert = copy.deepcopy(certs["steps"])
    cert["steps"].insert(0, {"kind": "power_sub", "var": "a", "new": "b", "k": 1})  # name clash
    assert not check_certificate(cert).valid


def test_corrupted_radical_certificate_is_rejected(certs):
    cert = copy.deepcopy(certs["radical"])
    cert["proof"]["multiplier"] = "x + y - s"  # not provably positive
    assert not check_certificate(cert).valid
    cert = copy.deepcopy(certs["radical"])
    cert["steps"] = cert["steps"][:-1]  # radical left in place: no polynomial goal
    assert not check_certificate(cert).valid


def test_certificate_for_another_statement_is_rejected(certs):
    from dataclasses import replace

    problem = Problem.from_dict(certs["buffalo"]["problem"])
    assert check_certificate(certs["buffalo"], expected=problem).valid
    other = replace(problem, goal=problem.goal.replace("3/2", "1"))
    assert check_certificate(certs["buffalo"], expected=other).status == "invalid"


def test_malformed_documents_do_not_raise(tmp_path):
    assert check_certificate({}).status in ("invalid", "malformed")
    assert check_certificate({"format": "reasoning-ineq-certificate/1", "problem": {"id": 1}}).status == "malformed"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["ineq", "check", str(bad)]) == 2


def test_lean_export_is_marked_unchecked(certs):
    for cert in certs.values():
        text = to_lean(cert)
        assert text.startswith("-- UNCHECKED") and "theorem" in text


def _forged(vars_, domain, goal, proof, constraints=(), steps=()):
    return {"format": "reasoning-ineq-certificate/1", "steps": list(steps), "proof": proof,
            "problem": {"id": "forged", "vars": list(vars_), "domain": domain, "constraints": list(constraints),
                        "goal": goal}}


@pytest.mark.parametrize("cert, why", [
    # a multiplier with a pole on the constraint set: -4/(abc - 1) * (abc - 1) "cancels" to -4
    (_forged("abc", "positive", "a + b + c >= 4", {"equality_multipliers": ["-4/(a*b*c - 1)"], "terms": [
        {"kind": "mono", "mult": {"a": 1}}, {"kind": "mono", "mult": {"b": 1}}, {"kind": "mono", "mult": {"c": 1}}]},
        constraints=["a*b*c = 1"]), "equality multiplier must be a polynomial"),
    # "squares" that are not squares of real polynomials
    (_forged("x", "real", "x >= x + 1", {"terms": [{"kind": "sq", "c": "1", "poly": "sqrt(-1)"}]}), "poly must be"),
    (_forged("a", "positive", "a >= 2", {"terms": [{"kind": "sq", "c": "1", "poly": "sqrt(a - 2)"}]}), "poly must be"),
    (_forged("x", "real", "x >= 0", {"terms": [{"kind": "sq", "c": "1", "poly": "sqrt(x)"}]}), "poly must be"),
])
def test_forged_certificates_of_false_statements_are_rejected(cert, why):
    verdict = check_certificate(cert)
    assert not verdict.valid and why in verdict.reason


# Forged certificates that SymPy's own rewriting once let through (found in review): a root of a product split into
# a product of roots is undefined where the original is 0 (x = 0, y < 1 below), and the claim is made only where
# the goal is defined; sqrt(-1) is I, whose "squares" are negative. Each statement is false.
_SPLIT_PROOF = {"equality_multipliers": ["-1", "0"], "terms": [{"kind": "mono", "c": "1", "mult": {"s": 1, "w": 1}},
                                                               {"kind": "mono", "c": "1", "mult": {"w": 2}}]}


@pytest.mark.parametrize("cert", [
    # false at x = y = 0; split by a shift of x onto u >= 0, then the roots replaced
    _forged("xy", "real", "sqrt(x*(y - 1)) + y >= 1", _SPLIT_PROOF, constraints=["x >= 0", "y >= 0"],
            steps=[{"kind": "shift", "vars": ["y"], "new": ["v"], "indices": [1]},
                   {"kind": "shift", "vars": ["x"], "new": ["u"], "indices": [0]},
                   {"kind": "radical", "base": "v - 1", "q": 2, "new": "w"},
                   {"kind": "radical", "base": "u", "q": 2, "new": "s"}]),
    # the same split at parse time (nonnegative x)
    _forged("xy", "nonnegative", "sqrt(x*(y - 1)) + y >= 1", _SPLIT_PROOF,
            steps=[{"kind": "radical", "base": "y - 1", "q": 2, "new": "w"},
                   {"kind": "radical", "base": "x", "q": 2, "new": "s"}]),
    # false at y = 1, v = 0: the split happens once sqrt(y - 1) is replaced by w >= 0
    _forged("yv", "nonnegative", "cbrt(sqrt(y - 1)*(v - 2)) + v >= 2",
            {"equality_multipliers": ["0", "-1", "0"],
             "terms": [{"kind": "mono", "mult": {"t": 1, "s": 1}}, {"kind": "mono", "mult": {"s": 3}}]},
            steps=[{"kind": "radical", "base": "y - 1", "q": 2, "new": "w"},
                   {"kind": "radical", "base": "v - 2", "q": 3, "new": "s"},
                   {"kind": "radical", "base": "w", "q": 3, "new": "t"}]),
    # 1/(2x^2 - 2) is -1/2 at x = 0; written as a "sum of squares" of non-real numbers
    _forged("x", "real", "1/((x + sqrt(-1))^2 + (x - sqrt(-1))^2) >= 0", {"terms": [{"kind": "mono", "c": "1"}]}),
    _forged("x", "real", "(x + sqrt(-1))^2 + (x - sqrt(-1))^2 >= 0", {"terms": [{"kind": "mono", "c": "1"}]},
            steps=[{"kind": "power_sides", "q": 2}]),
    # (second review) a root introduced where the goal has none: w >= 0 with w^2 = y - 1 drops y < 1
    _forged("y", "nonnegative", "y >= 1", {"equality_multipliers": ["-1"], "terms": [{"kind": "sq", "poly": "w"}]},
            steps=[{"kind": "radical", "base": "y - 1", "q": 2, "new": "w"}]),
    _forged("xy", "nonnegative", "y >= 1",
            {"equality_multipliers": ["0", "-1"], "terms": [{"kind": "sq", "poly": "w"}]}, constraints=["x = 0"],
            steps=[{"kind": "eq_rewrite", "index": 0,
                    "expr": "sqrt(y - 1)*(x + 1) - x*sqrt(y - 1) - sqrt(y - 1) + y - 1"},
                   {"kind": "radical", "base": "y - 1", "q": 2, "new": "w"}]),
    # algebra that regroups a radicand into a product SymPy then splits: mobius's cancel, ratio_sub's clearing,
    # power_sides's expand, the expansion of equality constraints at parse time
    _forged("xyt", "real", "t^2*sqrt(x^2*y - x^2) + y >= 1",
            {"equality_multipliers": ["-1"], "terms": [{"kind": "sq", "poly": "w"},
                                                       {"kind": "mono", "mult": {"m": 2, "u": 1, "w": 1}}]},
            constraints=["x >= 0", "y >= 0", "t >= 0"],
            steps=[{"kind": "mobius", "var": "t", "new": "s", "p": "1", "q": "0", "r": "0", "s": "1"},
                   {"kind": "shift", "vars": ["x", "y", "s"], "new": ["u", "v", "m"], "indices": [0, 1, 2]},
                   {"kind": "radical", "base": "v - 1", "q": 2, "new": "w"}]),
    _forged("abc", "positive", "c >= 1", {"equality_multipliers": ["-1"], "terms": [{"kind": "sq", "poly": "w"}]},
            constraints=["a*b = 1", "sqrt((a-b)^2*c - (a-b)^2) >= 0"],
            steps=[{"kind": "ratio_sub", "index": 0, "new": ["p", "q"]},
                   {"kind": "radical", "base": "c - 1", "q": 2, "new": "w"}]),
    _forged("xy", "real", "1 >= (((x+1)^2 - 2*x - 1)*y)^(1/4) + y*(y - 2)",
            {"equality_multipliers": ["-w^2", "-w^12 + 2*w^8 - 2*w^5*z - w^4", "0"],
             "terms": [{"kind": "mono", "c": "2", "mult": {"z": 1, "w": 5, "g0": 1}},
                       {"kind": "sq", "poly": "w^4 - 1"}, {"kind": "sq", "poly": "w^4 - 1", "mult": {"g0": 1, "w": 4}}]},
            constraints=["x = 0", "x >= 0", "y >= -1", "y <= 2"],
            steps=[{"kind": "power_sides", "q": 2}, {"kind": "shift", "vars": ["x", "y"], "new": ["u", "v"],
                                                     "indices": [0, 1]},
                   {"kind": "radical", "base": "v - 1", "q": 4, "new": "w"},
                   {"kind": "radical", "base": "u", "q": 2, "new": "z"}]),
    _forged("xy", "real", "y >= 0",
            {"equality_multipliers": ["0", "-1", "0"], "terms": [{"kind": "sq", "poly": "w^2"}]},
            constraints=["(((x+1)^2 - 2*x - 1)*y)^(1/4) = 0", "x >= 0", "y >= -1"],
            steps=[{"kind": "shift", "vars": ["x", "y"], "new": ["u", "v"], "indices": [0, 1]},
                   {"kind": "radical", "base": "v - 1", "q": 4, "new": "w"},
                   {"kind": "radical", "base": "u", "q": 2, "new": "z"}]),
])
def test_forged_certificates_relying_on_sympy_rewriting_roots_are_rejected(cert):
    assert not check_certificate(cert).valid


def test_statements_whose_roots_sympy_would_rewrite_are_refused_with_the_place():
    from reasoning.ineq.parse import ParseError, parse_math

    x, y = sp.Symbol("x", nonnegative=True), sp.Symbol("y", real=True)
    with pytest.raises(ParseError, match="sqrt at column 1: root of a product"):
        parse_math("sqrt(x*(y - 1))", {"x": x, "y": y})
    with pytest.raises(ParseError, match="root of a negative number"):
        parse_math("1 + (-8)^(1/3)", {})
    with pytest.raises(ParseError, match="not a real number"):
        parse_math("sqrt(-x)", {"x": sp.Symbol("x", positive=True)})
    with pytest.raises(ParseError, match="fold past exponent"):
        parse_math("(x^64*y)^64", {"x": x, "y": y})
    with pytest.raises(ParseError, match="bits"):
        parse_math("((2^64)^64)^64", {})
    # a positive factor may be split off: sqrt(x*(y - 1)) is sqrt(x)*sqrt(y - 1) wherever either is defined
    xp = sp.Symbol("x", positive=True)
    assert parse_math("sqrt(x*(y - 1))", {"x": xp, "y": y}) == sp.sqrt(xp) * sp.sqrt(y - 1)


def test_algebra_on_expressions_with_roots_keeps_each_root_whole():
    # expanding ((x + 1)^2 - 2x - 1)*y under a root would give x^2*y, which SymPy splits into |x|*sqrt(y)
    problem = Problem(id="e", vars=("x", "y"), domain="real", goal="y >= 0",
                      constraints=("(((x+1)^2 - 2*x - 1)*y)^(1/4) = 0",))
    (equality,) = problem.parse().equalities
    assert not equality.has(sp.Abs) and any(n.is_Pow and n.exp == sp.Rational(1, 4) and n.base.has(sp.Symbol("y", real=True))
                                            for n in sp.preorder_traversal(equality))


def test_checker_refuses_inputs_that_would_stall_it(tmp_path):
    slow_number = _forged("xyz", "real", "x^2/(x - 1)^2 + y^2/(y - 1)^2 + z^2/(z - 1)^2 >= 1", {"terms": []},
                          constraints=["x*y*z = 1"],
                          steps=[{"kind": "mobius", "var": "x", "new": "u", "p": "1e100000000", "q": "0",
                                  "r": "1e100000000", "s": "-1"}])
    assert "rationals" in check_certificate(slow_number).reason
    many_orderings = _forged("abcdefgh", "positive", "a+b+c+d+e+f+g+h >= 0",
                             {"equality_multipliers": [], "buffalo": True})
    assert "at most" in check_certificate(many_orderings).reason
    folded = _forged("ab", "positive", "((a + b)^64)^64 >= 0", {"terms": []})
    assert check_certificate(folded).status == "malformed"
    # short texts that expand or multiply into huge polynomials (found in review)
    blowup = _forged("abcdefgh", "positive", "a + b + c + d + e + f + g + h >= 0", {"terms": [{"kind": "sq", "poly": "(a+b+c+d+e+f+g+h)^64"}]})
    assert "would expand" in check_certificate(blowup).reason
    big_power = _forged("ab", "positive", "a >= 0", {"terms": [{"kind": "mono", "mult": {"a": 10**9}}]})
    assert "multiplier power" in check_certificate(big_power).reason
    merged = _forged("ab", "positive", "(a + b)^64*(a + b)^64*(a + b)^64 >= 0", {"terms": []})
    assert check_certificate(merged).status == "malformed"
    # a constant radical where the step needs a rational: a status, not an exception
    coerce = _forged("xy", "positive", "x + y >= 0", {"terms": []}, constraints=["x*y = sqrt(2)"],
                     steps=[{"kind": "eq_root", "index": 0, "k": 2}])
    assert check_certificate(coerce).status in ("invalid", "malformed")
    # long exact terms are allowed (50,000 characters a polynomial), but not without bound in all
    huge = _forged("ab", "positive", "a + b >= 0", {"terms": [{"kind": "sq", "c": "1", "poly": "a + b"}] * 60000})
    assert "proof longer" in check_certificate(huge).reason
    # anything else that is slow is cut by the CLI's time limit, and reported as not verified
    path = tmp_path / "slow.json"
    path.write_text(json.dumps(_forged("abcdefgh", "positive", "(a+b+c+d+e+f+g+h)^64 >= 0", {"terms": []})))
    assert main(["ineq", "check", str(path), "--timeout", "2"]) == 1


def test_cli_check_says_which_statement_it_verified(certs, tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(certs["steps"]))
    assert main(["ineq", "check", str(path)]) == 0
    assert "proves: a + b + c >= 3  for a,b,c positive; constraints: a*b*c = 1" in capsys.readouterr().out


def test_lean_statement_carries_the_definedness_conditions_lean_would_drop():
    # Lean reads x/0 as 0: without x - 1 ≠ 0 the exported IMO 2008 statement would be false (x = 1, y = z = -1)
    problem = Problem(id="imo2008", vars=("x", "y", "z"), domain="real", constraints=("x*y*z = 1",),
                      goal="x^2/(x - 1)^2 + y^2/(y - 1)^2 + z^2/(z - 1)^2 >= 1")
    header = to_lean({"problem": problem.to_dict(), "steps": [{"kind": "mobius"}], "proof": {}})
    assert all(f"{v} - 1 ≠ 0" in header for v in "xyz")
    positive = Problem(id="nesbitt", vars=("a", "b", "c"), domain="positive", goal="a/(b + c) + b/(c + a) + c/(a + b) >= 3/2")
    assert "≠ 0" not in to_lean({"problem": positive.to_dict(), "steps": [{"kind": "x"}], "proof": {}})


def test_lean_attempt_for_a_multiplier_certificate_divides_by_the_positive_multiplier():
    from reasoning.ineq import prove

    problem = Problem(id="lm", vars=("a", "b", "c"), domain="positive",
                      goal="a^2 + b^2 + c^2 + 2*a*b*c + 1 >= 2*(a*b + b*c + c*a)")
    result = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200))
    assert result.method == "lp_mul"
    text = to_lean(result.certificate)
    assert "have hM : 0 < a + b + c := by positivity" in text
    assert "(mul_nonneg_iff_of_pos_left hM).mp key" in text and "sorry" not in text
    constrained = {**result.certificate, "problem": {**result.certificate["problem"], "constraints": ["a <= 9"]}}
    assert to_lean(constrained).rstrip().endswith("sorry")  # other multiplier certificates are not attempted
