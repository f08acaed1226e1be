"""False statements must never come back proved, even with the counterexample search switched off (then only
the exact checker stands between a finisher bug and a false claim)."""

import pytest

from reasoning.ineq import Problem, ProverConfig, prove

FALSE = [
    # true only up to a tiny margin near equality
    ("abc", "positive", "a/(b + c) + b/(c + a) + c/(a + b) >= 3/2 + 1/1000000", ()),
    ("abc", "positive", "a^2 + b^2 + c^2 >= a*b + b*c + c*a + 1/10^9*(a + b + c)^2", ()),
    ("abc", "positive", "a*b + b*c + c*a <= 3 - 1/1000000", ("a + b + c = 3",)),
    # strict where equality is attained
    ("abc", "positive", "a/(b + c) + b/(c + a) + c/(a + b) > 3/2", ()),
    ("ab", "real", "a^2 + b^2 > 2*a*b", ()),
    # false at a boundary only
    ("abc", "nonnegative", "a*b + b*c + c*a >= 2*a*b*c + 1/2", ("a + b + c = 3",)),  # fails at (3, 0, 0)
    ("x", "positive", "x + 1/x >= 2 + x/100", ()),  # fails for large x
    ("ab", "nonnegative", "a + b >= 2*sqrt(a*b) + 1/1000*sqrt(a)", ()),
    ("abc", "positive", "a + b + c >= 3", ("a*b*c = 1/2",)),
    # near-true variants of IMO 2008 (real x != 1, mobius steps) and products fixed to a constant (ratio_sub)
    ("xyz", "real", "x^2/(x - 1)^2 + y^2/(y - 1)^2 + z^2/(z - 1)^2 >= 1 + 1/1000000", ("x*y*z = 1",)),
    ("xyz", "real", "x^2/(x - 1)^2 + y^2/(y - 1)^2 + z^2/(z - 1)^2 > 1", ("x*y*z = 1",)),
    ("x", "real", "x^2/(x - 1)^2 >= 1/1000000", ()),  # fails at x = 0 only
    ("xy", "real", "x^2/(x - 1)^2 + y^2 > 0", ()),  # fails at x = y = 0
    ("abc", "positive", "a/b + b/c + c/a >= 3 + 1/1000000", ("a*b*c = 1",)),
    ("abc", "positive", "(a - 1 + 1/b)*(b - 1 + 1/c)*(c - 1 + 1/a) <= 1", ("a*b*c = 2",)),
    # real variables with bounds of their own (shift steps; JBMO 2003 has equality at x = y = z = 1)
    ("xyz", "real", "(1 + x^2)/(1 + y + z^2) + (1 + y^2)/(1 + z + x^2) + (1 + z^2)/(1 + x + y^2) >= 2 + 1/1000000",
     ("x > -1", "y > -1", "z > -1")),
    ("xyz", "real", "(1 + x^2)/(1 + y + z^2) + (1 + y^2)/(1 + z + x^2) + (1 + z^2)/(1 + x + y^2) > 2",
     ("x > -1", "y > -1", "z > -1")),
    ("xy", "real", "x/(1 + y) >= 0", ("x > -1", "y > -1")),
    ("x", "real", "x + 1 > 0", ("x >= -1",)),  # fails at the bound itself
    # radicals of real variables, both sides raised to a power (Minkowski's equality holds for parallel vectors)
    ("abcd", "real", "sqrt(a^2 + b^2) + sqrt(c^2 + d^2) > sqrt((a + c)^2 + (b + d)^2)", ()),
    ("a", "real", "sqrt(a^2 + 1) >= a + 1/1000000", ()),  # fails for a > 500000 only
    # sign of odd powers over the reals
    ("x", "real", "x^3 + x >= 0", ()),
    ("abc", "real", "a^3 + b^3 + c^3 >= 3*a*b*c", ()),
]


# false, but the random search rarely lands on a violating point (equality holds on a curve of x*y*z = 1, whose
# rational points the rounding of nearly tight points does not hit), or only far out (a > 500000)
HARD_TO_SAMPLE = {"x^2/(x - 1)^2 + y^2/(y - 1)^2 + z^2/(z - 1)^2 >= 1 + 1/1000000",
                  "x^2/(x - 1)^2 + y^2/(y - 1)^2 + z^2/(z - 1)^2 > 1", "sqrt(a^2 + 1) >= a + 1/1000000"}


@pytest.mark.parametrize("vars,domain,goal,constraints", FALSE)
@pytest.mark.parametrize("samples", [0, 2000])
def test_false_statements_are_not_proved(vars, domain, goal, constraints, samples):
    problem = Problem(id="f", vars=tuple(vars), domain=domain, goal=goal, constraints=constraints)
    result = prove(problem, ProverConfig(timeout_s=8, counterexample_samples=samples))
    assert result.status != "proved"
    # strict goals fail only where they are exactly 0: refuted by exact evaluation at a rational equality case
    clear_margin = "10^9" not in goal and goal not in HARD_TO_SAMPLE
    if samples and clear_margin:
        assert result.status == "refuted"


@pytest.mark.parametrize("vars,domain,goal,constraints,point", [
    ("ab", "positive", "a*b > a*b", (), {"a": 1.0, "b": 1.0}),  # identically 0
    ("abc", "positive", "a + b + c > 3", ("a*b*c = 1",), {"a": 1.0, "b": 1.0, "c": 1.0}),
    ("xyz", "real", "x + y + z < 2 + x*y*z", ("x^2 + y^2 + z^2 = 2",), None),  # Poland 1991 made strict: 0 at (0,1,1)
])
def test_strict_goal_refuted_at_an_exact_equality_case(vars, domain, goal, constraints, point):
    problem = Problem(id="f", vars=tuple(vars), domain=domain, goal=goal, constraints=constraints)
    result = prove(problem, ProverConfig(timeout_s=8))
    assert result.status == "refuted", result
    assert result.message.startswith("goal is 0 at")
    if point is not None:
        assert result.counterexample == point
    parsed = problem.parse()  # the reported point is feasible and the goal is exactly 0 there
    from sympy import Rational
    at = {s: Rational(result.counterexample[str(s)]) for s in parsed.symbols}
    assert all(e.xreplace(at) == 0 for e in parsed.equalities) and parsed.goal_expr.xreplace(at) == 0


def test_strict_goal_true_at_rational_points_is_not_refuted():
    # a^2 + b^2 > 2ab holds wherever a < b: the exact stage must not mistake the nearly tight points near a = b
    problem = Problem(id="t", vars=("a", "b"), domain="positive", goal="a^2 + b^2 > 2*a*b", constraints=("a < b",))
    assert prove(problem, ProverConfig(timeout_s=8)).status != "refuted"


def test_goal_true_wherever_defined_is_not_refuted_through_complex_roots():
    # sqrt(a - 2b)*sqrt(4a - 8b) is 2(a - 2b) wherever it is defined (a >= 2b > 0), so the goal is (a - b)^2 > 0
    # there. At a = b = 1 both radicands are negative and SymPy's complex roots give sqrt(-1)*sqrt(-4) = -2, a real
    # value: the exact stage counted that point and refuted a true statement
    problem = Problem(id="t", vars=("a", "b"), domain="positive",
                      goal="sqrt(a - 2*b)*sqrt(4*a - 8*b) - 2*(a - 2*b) + (a - b)^2 > 0")
    assert prove(problem, ProverConfig(timeout_s=5)).status != "refuted"


def test_counterexample_under_an_equality_is_not_rescaled_off_it():
    from reasoning.ineq.numeric import CounterexampleSearch

    problem = Problem(id="f", vars=tuple("abc"), domain="positive", goal="a*b*c >= 1", constraints=("a + b + c = 3",))
    found = CounterexampleSearch(problem.parse(), samples=200).optimised()
    assert found is not None and abs(sum(found.point.values()) - 3) < 1e-6, found


def test_counterexample_of_a_homogeneous_goal_is_reported_at_unit_size():
    # the local optimisation of a homogeneous goal runs off to |x| ~ 1e29; the same direction at unit size is shown
    problem = Problem(id="f", vars=("a", "b", "c"), domain="real",
                      goal="a^4 + b^4 + c^4 >= a*b*c*(a + b + c) + a^4/1000")
    result = prove(problem, ProverConfig(timeout_s=8))
    assert result.status == "refuted" and max(abs(v) for v in result.counterexample.values()) <= 1.0 + 1e-9


def test_refutation_reports_a_point():
    problem = Problem(id="f", vars=("a", "b"), domain="real", goal="a*b <= (a + b)^2/5")
    result = prove(problem, ProverConfig(timeout_s=5))
    assert result.status == "refuted" and set(result.counterexample) == {"a", "b"}



def test_running_out_of_time_is_reported_as_timeout_not_as_exhausted_search():
    imo2001 = Problem(id="imo2001", vars=("a", "b", "c"), domain="positive",
                      goal="a/sqrt(a^2 + 8*b*c) + b/sqrt(b^2 + 8*c*a) + c/sqrt(c^2 + 8*a*b) >= 1")
    # the tangent trick needs >= 1 s left for its nested searches: with 0.5 s it must say timeout, never "unknown".
    # Bug: in a warm process the other actions all failed within 0.35 s, the frontier ran empty, and the search said
    # "unknown" although the tangent and radical-bound attempts had been cut short by their share of the time.
    for _ in range(3):
        result = prove(imo2001, ProverConfig(timeout_s=0.5, counterexample_samples=100))
        assert result.status == "timeout" and result.seconds < 30


def test_violation_the_random_points_miss_is_found_by_the_optimisation_after_the_first_action(monkeypatch):
    from reasoning.ineq.numeric import CounterexampleSearch

    # fails only within ~1e-3 of a = b = c: no sampled point violates it, the local optimisation does
    problem = Problem(id="f", vars=tuple("abc"), domain="positive",
                      goal="a/(b + c) + b/(c + a) + c/(a + b) >= 3/2 + 1/1000000")
    assert CounterexampleSearch(problem.parse(), samples=3000).sampled() is None
    result = prove(problem, ProverConfig(timeout_s=8))
    assert result.status == "refuted" and result.nodes >= 1

    # a true goal proved by its first action never pays for the optimisation
    calls = []
    real = CounterexampleSearch.optimised
    monkeypatch.setattr(CounterexampleSearch, "optimised", lambda self, *a: calls.append(1) or real(self, *a))
    true = Problem(id="t", vars=tuple("abc"), domain="positive", goal="a^2 + b^2 + c^2 >= a*b + b*c + c*a")
    result = prove(true, ProverConfig(timeout_s=8))
    assert result.status == "proved" and result.nodes == 1 and calls == []
    assert prove(problem, ProverConfig(timeout_s=8)).status == "refuted" and calls == [1]
