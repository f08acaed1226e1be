"""Each finisher on a few textbook cases; every certificate must pass the independent checker."""

import pytest

from reasoning.ineq import Problem, ProverConfig, check_certificate, prove

FAST = dict(timeout_s=30, counterexample_samples=300)


def _prove(goal, vars="abc", domain="positive", constraints=(), finishers=("lp", "buffalo", "sos")):
    problem = Problem(id="t", vars=tuple(vars), domain=domain, goal=goal, constraints=tuple(constraints))
    result = prove(problem, ProverConfig(finishers=finishers, **FAST))
    if result.certificate is not None:
        assert check_certificate(result.certificate).valid
    return result


@pytest.mark.parametrize("goal,domain", [
    ("a^2 + b^2 + c^2 >= a*b + b*c + c*a", "real"),
    ("a^3 + b^3 + c^3 >= 3*a*b*c", "nonnegative"),
    ("a*(a - b)*(a - c) + b*(b - a)*(b - c) + c*(c - a)*(c - b) >= 0", "nonnegative"),  # Schur
    ("a^5 + b^5 + c^5 >= a*b*c*(a^2 + b^2 + c^2)", "positive"),  # Muirhead
])
def test_lp_finisher(goal, domain):
    result = _prove(goal, domain=domain, finishers=("lp",))
    assert result.status == "proved"


@pytest.mark.parametrize("goal", [
    "a/(b + c) + b/(c + a) + c/(a + b) >= 3/2",  # Nesbitt
    "(a + b)*(b + c)*(c + a) >= 8*a*b*c",
])
def test_buffalo_finisher(goal):
    result = _prove(goal, finishers=("buffalo",))
    assert result.status == "proved" and result.certificate["proof"].get("buffalo")


@pytest.mark.parametrize("goal,vars", [
    ("(a^2 + b^2 + c^2)^2 >= 3*(a^3*b + b^3*c + c^3*a)", "abc"),  # Vasc, not provable by the LP
    ("(a^2 + b^2)*(c^2 + d^2) >= (a*c + b*d)^2", "abcd"),
])
def test_sos_finisher(goal, vars):
    result = _prove(goal, vars=vars, domain="real", finishers=("sos",))
    assert result.status == "proved"
    assert all(t["kind"] in ("sq", "mono") for t in result.certificate["proof"]["terms"])


def test_lp_constraint_products_above_the_goal_degree():
    # on [0, 1]^3, 1 - a - b - c + ab + bc + ca = (1 - a)(1 - b)(1 - c) + abc: a degree-3 product for a degree-2 goal
    result = _prove("a + b + c - a*b - b*c - c*a <= 1", domain="nonnegative",
                    constraints=["a <= 1", "b <= 1", "c <= 1"], finishers=("lp",))
    assert result.status == "proved"
    assert any(sum(v for k, v in t["mult"].items() if k.startswith("g")) == 3
               for t in result.certificate["proof"]["terms"])


def test_constraint_homogenisation_and_product_root():
    assert _prove("a*b + b*c + c*a <= 3", constraints=["a + b + c = 3"]).status == "proved"
    result = _prove("a + b + c >= 3", constraints=["a*b*c = 1"])
    assert result.status == "proved"
    assert [s["kind"] for s in result.certificate["steps"]][-1] == "eq_root"


def test_radicals_by_substitution_and_conjugation():
    result = _prove("sqrt(a) + sqrt(b) + sqrt(c) >= sqrt(a + b + c)")
    assert result.status == "proved"
    assert result.certificate["proof"].get("multiplier")


TRIANGLE = ["a < b + c", "b < c + a", "c < a + b"]


def test_strict_triangle_inequality():
    assert _prove("a^2 + b^2 + c^2 < 2*(a*b + b*c + c*a)", constraints=TRIANGLE).status == "proved"


def test_ravi_substitution_for_triangles():
    # the denominators b + c - a have no certified sign until the Ravi substitution
    result = _prove("a/(b + c - a) + b/(c + a - b) + c/(a + b - c) >= 3", constraints=TRIANGLE)
    assert result.status == "proved"
    assert result.certificate["steps"][0]["kind"] == "ravi"
