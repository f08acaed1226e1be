"""One test per bug found while building the prover, with the bug explained."""

from reasoning.ineq import Problem, ProverConfig, check_certificate, prove
from reasoning.ineq.transforms import initial_state, polynomial_goal

CFG = ProverConfig(timeout_s=30, counterexample_samples=200)


def test_denominator_multiplicity_inside_a_power():
    # Bug: (a + 1/a)**2 has the divisor a only once in its tree but a**2 after expansion; clearing denominators
    # with D = a left a non-polynomial numerator and the problem was reported unprovable.
    problem = Problem(id="r1", vars=("a", "b"), domain="positive", goal="(a + 1/a)^2 + (b + 1/b)^2 >= 25/2",
                      constraints=("a + b = 1",))
    N, D = polynomial_goal(initial_state(problem.parse()))
    assert D.as_expr() == problem.parse().symbols[0] ** 2 * problem.parse().symbols[1] ** 2
    assert prove(problem, CFG).status == "proved"


def test_nested_denominators():
    # Bug: 2/(1/a + 1/b) has a divisor that is itself a fraction; taking it as a polynomial raised PolynomialError.
    problem = Problem(id="r2", vars=("a", "b"), domain="positive", goal="sqrt(a*b) >= 2/(1/a + 1/b)")
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate).valid


def test_homogenisation_multiplier_sign():
    # Bug: homogenisation returned h with N_hom = N + h*e while certificates use N - h*e; the checker rejected
    # every homogenised proof (so no false claim, but `lp_hom` never succeeded).
    problem = Problem(id="r3", vars=("a", "b", "c"), domain="positive", goal="a^2 + b^2 + c^2 >= 3",
                      constraints=("a + b + c = 3",))
    result = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=0, finishers=("lp",)))
    assert result.status == "proved" and result.method == "lp_hom"


def test_lp_without_columns_does_not_crash():
    # Bug: an odd goal over the reals gave the LP no columns and scipy raised ValueError out of `prove`.
    problem = Problem(id="r4", vars=("x",), domain="real", goal="x^3 >= 0")
    assert prove(problem, ProverConfig(timeout_s=10, counterexample_samples=0)).status != "proved"


def test_radical_substitution_leaving_a_rational_constraint():
    # Bug: sqrt(a/(b + c - a)) = t adds the constraint t^2 = a/(b + c - a), not a polynomial; building the
    # finisher goal and the constraint-based steps raised PolynomialError and the whole search crashed.
    problem = Problem(id="r5", vars=("a", "b", "c"), domain="positive",
                      constraints=("a < b + c", "b < c + a", "c < a + b"),
                      goal="sqrt(a/(b + c - a)) + sqrt(b/(c + a - b)) + sqrt(c/(a + b - c)) >= 3")
    result = prove(problem, ProverConfig(timeout_s=10, counterexample_samples=200, max_nodes=12))
    assert result.status in ("unknown", "timeout", "proved")
    assert result.status != "proved" or check_certificate(result.certificate).valid


def test_root_of_a_power_constraint_after_substituting_squares():
    # Bug: sqrt(a) + sqrt(b) + sqrt(c) <= a + b + c with abc = 1 became x + y + z <= x^2 + y^2 + z^2 with
    # x^2*y^2*z^2 = 1, and no step turned that back into xyz = 1, so the product-constraint steps never applied.
    problem = Problem(id="r6", vars=("a", "b", "c"), domain="positive", constraints=("a*b*c = 1",),
                      goal="sqrt(a) + sqrt(b) + sqrt(c) <= a + b + c")
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate).valid
    assert any(step["kind"] == "eq_root" for step in result.certificate["steps"])


def test_polya_multiplier_for_an_unconstrained_goal_without_lp_certificate():
    # a^2 + b^2 + c^2 + 2abc + 1 >= 2(ab + bc + ca) (Grinberg): no LP or SOS certificate of the goal itself, but
    # (a + b + c) times it has one; the certificate carries the multiplier, which the checker requires positive.
    problem = Problem(id="r7", vars=("a", "b", "c"), domain="positive",
                      goal="a^2 + b^2 + c^2 + 2*a*b*c + 1 >= 2*(a*b + b*c + c*a)")
    result = prove(problem, CFG)
    assert result.status == "proved" and result.method == "lp_mul"
    assert check_certificate(result.certificate).valid
    forged = {**result.certificate, "proof": {**result.certificate["proof"], "multiplier": "a + b + c - 1"}}
    assert not check_certificate(forged).valid


def test_sos_needs_a_solver_fallback_and_numerical_facial_reduction():
    # Poland 1991: Clarabel failed numerically on the Gram matrix (SCS solves it). USAMO 2001 (lower bound): the
    # certificate needs multipliers one degree above the goal, and its Gram matrices have zero rows the exact facial
    # reduction does not predict, so rounding failed until basis elements with a ~0 diagonal were dropped.
    from reasoning.ineq.problem import bundled_path, load_problems

    problems = {p.id: p for p in load_problems(bundled_path())}
    for pid in ("poland1991", "usamo2001_lower"):
        # SDP only: `lp_mul` on constrained goals proves usamo2001_lower too, and this test is about the SDP path
        result = prove(problems[pid], ProverConfig(timeout_s=30, counterexample_samples=200, finishers=("sos",)))
        assert result.status == "proved" and result.method == "sos", pid
        assert check_certificate(result.certificate).valid


def test_usamo2001_needs_a_positive_multiplier_and_irrational_zeros():
    # USAMO 2001: 2 - (ab + bc + ca - abc) >= 0 on a^2 + b^2 + c^2 + abc = 4, equality at (1, 1, 1) and at
    # (sqrt 2, sqrt 2, 0). Plain SOS with equality multipliers fails up to degree 6; (1 + a + b + c)^2 times the goal
    # has a degree-6 certificate (`sos_mul`), but only once the facial reduction also makes the Gram matrices vanish
    # at the irrational zeros (and their conjugates), otherwise the SDP optimum has no interior and rounding fails.
    from reasoning.ineq.finishers.sos_sdp import _surd_zeros
    from reasoning.ineq.normalize import goal_of
    from reasoning.ineq.problem import bundled_path, load_problems

    problem = next(p for p in load_problems(bundled_path()) if p.id == "usamo2001")
    zeros = _surd_zeros(goal_of(initial_state(problem.parse())))
    assert ((0, 1), (0, 1), (0, 0)) in zeros and len(zeros) == 3
    result = prove(problem, ProverConfig())
    # sos_dsq (the difference-of-squares goal) proves it first since certificates may carry long exact terms;
    # both multiply the goal by a positive M
    assert result.status == "proved" and result.method in ("sos_mul", "sos_dsq"), result.message
    assert check_certificate(result.certificate).valid and result.certificate["proof"]["multiplier"] != "1"
    # a multiplier without a positive constant term may vanish on the nonnegative domain: refused
    proof = result.certificate["proof"]
    forged = {**result.certificate, "proof": {**proof, "multiplier": "a + b + c"}}
    verdict = check_certificate(forged)
    assert not verdict.valid and "multiplier" in verdict.reason


def test_lp_multiplier_for_a_constrained_goal_that_cannot_be_homogenised():
    # q3_recip_bound: sum 1/(1 + a^2(b + c)) <= 1/(abc) on ab + bc + ca = 3. The cleared goal has degree 9 with
    # degrees 0, 3, 6, 9 (no homogenisation by a degree-2 constraint) and equals (1 - abc) * (positive) on the
    # constraint: no LP certificate of the goal itself, too big for the SDP, but (1 + a + b + c)^2 times it has an
    # LP certificate (`lp_mul` was offered only for unconstrained goals). Its exact vertex is a 241 x 227 rational
    # system, which the dense Fraction elimination took ~20 s to solve (now a sparse RREF, well under a second).
    from fractions import Fraction

    from reasoning.ineq.finishers.common import _solve_exact_sparse, solve_exact
    from reasoning.ineq.problem import bundled_path, load_problems

    problem = next(p for p in load_problems(bundled_path()) if p.id == "q3_recip_bound")
    result = prove(problem, CFG)
    assert result.status == "proved" and result.method == "lp_mul", result.message
    assert check_certificate(result.certificate).valid
    assert result.certificate["proof"]["multiplier"] != "1"
    forged = {**result.certificate, "proof": {**result.certificate["proof"], "multiplier": "1"}}
    assert not check_certificate(forged).valid
    # the sparse exact solve agrees with the dense one (including inconsistent and rank-deficient systems)
    rows = [[Fraction(1), Fraction(2), Fraction(0)], [Fraction(2), Fraction(4), Fraction(0)],
            [Fraction(0), Fraction(1), Fraction(-1, 3)]]
    for rhs in ([Fraction(1), Fraction(2), Fraction(5)], [Fraction(1), Fraction(3), Fraction(0)]):
        assert _solve_exact_sparse(rows, rhs, 3) == solve_exact(rows, rhs)


def test_sos_refuses_an_oversized_constrained_goal_before_any_exact_work(monkeypatch):
    # tri_heron's difference-of-squares goal (degree 20, one equality) once spent a minute in the exact nullspace of
    # an 18561-monomial basis, 40 s past the search deadline, before the Gram size check refused it
    from fractions import Fraction

    from reasoning.ineq.finishers import sos_sdp
    from reasoning.ineq.finishers.common import Goal

    def no_exact_work(*args, **kwargs):
        raise AssertionError("the nullspace was built for a goal the size limit refuses")

    monkeypatch.setattr(sos_sdp, "_nullspace_basis", no_exact_work)
    poly = {(20, 0, 0): Fraction(1), (0, 20, 0): Fraction(1), (0, 0, 20): Fraction(1), (1, 1, 1): Fraction(-3)}
    equality = {(1, 1, 1): Fraction(1), (0, 0, 0): Fraction(-1)}
    goal = Goal(("a", "b", "c"), ("positive",) * 3, poly, (equality,))
    assert sos_sdp.sos_certificate(goal) is None


def test_identity_whose_radicals_cancel_only_after_expansion_is_proved_not_refuted():
    # float rounding (-6e-14) was measured against the expanded terms, which cancel to nothing: "refuted"
    goal = "sqrt(2)*(u + v)/2 + sqrt(2)*(u + w)/2 + sqrt(2)*(v + w)/2 - sqrt(2)*u - sqrt(2)*v - sqrt(2)*w >= 0"
    problem = Problem(id="t", vars=("u", "v", "w"), domain="positive", goal=goal)
    result = prove(problem, ProverConfig(timeout_s=30))
    assert result.status == "proved" and check_certificate(result.certificate, expected=problem).valid
    off = Problem(id="t", vars=("u", "v", "w"), domain="positive", goal=goal.replace("sqrt(2)*w >= 0", "2*w >= 0"))
    assert prove(off, ProverConfig(timeout_s=30)).status == "refuted"


def test_one_finisher_attempt_cannot_take_the_whole_time_limit():
    # Bug: a finisher got the search's own deadline. On sqrt(a) + sqrt(b) + sqrt(c) <= a + b + c with abc = 1, after
    # a = x^2 (...), the SDP of sos_mul never rounds to an exact certificate and kept solving and rounding until
    # the deadline, so the search timed out although lp_dsq on the next goal proves it in a fraction of a second.
    # A policy that tries that SDP first (the learned one did) must still find the proof.
    from reasoning.ineq.policy import HeuristicPolicy, Policy

    class SdpFirst(Policy):
        def score(self, f, action):
            if f["depth"] == 0:
                return 0.0 if action == "power_sub_all" else 10.0 + HeuristicPolicy().score(f, action)
            return 0.0 if action == "sos_mul" else 1.0 + HeuristicPolicy().score(f, action)

    problem = Problem(id="r", vars=("a", "b", "c"), domain="positive", constraints=("a*b*c = 1",),
                      goal="sqrt(a) + sqrt(b) + sqrt(c) <= a + b + c")
    result = prove(problem, ProverConfig(timeout_s=20, counterexample_samples=200), policy=SdpFirst())
    assert [a for _, a, _ in result.trace][:2] == ["power_sub_all", "sos_mul"]
    assert result.trace[1][2] == 0  # the SDP attempt failed within its share of the time
    assert result.cut_short == [1]  # ... and is marked as decided by the time limit, not by the goal
    assert result.status == "proved" and check_certificate(result.certificate).valid


def test_goal_that_cancels_to_zero_under_a_constraint_is_proved_not_crashed():
    # a nested radical-bound claim can cancel to 0 >= 0; homogenising an empty polynomial raised ValueError
    for goal, constraint in (("a + b >= a + b", "a + b = 1"), ("a*b >= a*b", "a*b*c = 1")):
        problem = Problem(id="zero", vars=("a", "b", "c"), domain="positive", goal=goal, constraints=(constraint,))
        result = prove(problem, ProverConfig(timeout_s=20))
        assert result.status == "proved", (goal, result.message)
        assert check_certificate(result.certificate).valid


def test_lp_and_sos_finishers_stop_at_a_passed_deadline():
    # Bug: the LP's AM-GM columns (2000 exact barycentric solves for a 24-term goal) and the SDP's search for zeros
    # (exact values at 3^n points of a goal with thousands of terms) ignored the deadline: a prove(timeout_s=8) of
    # a/sqrt(b + c) + ... > 3/sqrt(2) under abc = 1 returned after 21 s. Both now give up with DeadlineReached.
    import time

    import pytest

    from reasoning.ineq.finishers.amgm_lp import lp_certificate
    from reasoning.ineq.finishers.common import DeadlineReached
    from reasoning.ineq.finishers.sos_sdp import sos_certificate
    from reasoning.ineq.normalize import goal_of

    problem = Problem(id="d", vars=("a", "b", "c"), domain="positive",
                      goal="a^4 + b^4 + c^4 >= a*b*c*(a + b + c)")
    goal = goal_of(initial_state(problem.parse()))
    for finisher in (lp_certificate, sos_certificate):
        with pytest.raises(DeadlineReached):
            finisher(goal, deadline=time.monotonic() - 1)
        assert finisher(goal, deadline=time.monotonic() + 60) is not None  # the same goal, given time, is proved


def test_radical_of_a_bare_variable_does_not_crash_the_radical_bounds():
    # Bug: sqrt(a) has Q = a, and a.xreplace({a: 1}) is the Python int 1 (no .is_Rational): listing the radical
    # bounds raised AttributeError and the whole search of Russia 2002 ended in an error
    problem = Problem(id="r", vars=("a", "b", "c"), domain="positive", constraints=("a + b + c = 3",),
                      goal="sqrt(a) + sqrt(b) + sqrt(c) >= a*b + b*c + c*a")
    result = prove(problem, ProverConfig(timeout_s=60))
    assert result.status == "proved" and check_certificate(result.certificate).valid


def test_declared_variable_the_goal_does_not_use():
    # Bug: the tangent trick's cyclic-sum test looked for a term containing each variable and crashed on c
    # (AttributeError: 'NoneType' object has no attribute 'xreplace'), ending the whole search.
    problem = Problem(id="r", vars=("a", "b", "c"), domain="positive",
                      goal="a^(1/3) + b^(1/3) <= 2^(2/3)*(a + b)^(1/3)")
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate).valid


def test_declared_variable_no_one_uses_is_left_out_of_the_search():
    # Bug: an unused w stayed in every state, so each finisher saw a 5-variable polynomial: the 4-variable cyclic
    # sum took 12 nodes instead of 4 (and with a shorter limit came back unknown)
    goal = "a/(b + c) + b/(c + d) + c/(d + a) + d/(a + b) >= 2"
    plain = prove(Problem(id="r", vars=tuple("abcd"), domain="positive", goal=goal), CFG)
    padded = prove(Problem(id="r", vars=tuple("abcdw"), domain="positive", goal=goal), CFG)
    assert padded.status == plain.status == "proved" and padded.nodes == plain.nodes
    assert check_certificate(padded.certificate).valid and padded.certificate["problem"]["vars"] == list("abcdw")
    # a variable that only a constraint mentions is kept
    kept = initial_state(Problem(id="r", vars=tuple("abc"), domain="positive", goal="a + b >= 0",
                                 constraints=("c <= 1",)).parse())
    assert kept.names == ("a", "b", "c")


def test_goal_no_step_applies_to_says_so():
    # Bug: a radical over real variables ended 'unknown' after 0 nodes with no message at all
    problem = Problem(id="r", vars=("a", "b"), domain="real", goal="sqrt(a*b) + 1 >= sqrt(a*b)/2")
    result = prove(problem, CFG)
    assert result.status == "unknown" and result.nodes == 0
    assert "no step or finisher applies" in result.message and "nonnegative or positive" in result.message


def test_bounds_of_real_variables_are_read_as_their_domain_all_at_once():
    # a, b >= 0 over the reals: one shift step makes both nonnegative together (one at a time, sqrt(a*v) with a of
    # unknown sign and v >= 0 would be refused: SymPy splits it into sqrt(a)*sqrt(v))
    problem = Problem(id="r", vars=("a", "b"), domain="real", goal="a + b >= 2*sqrt(a*b)",
                      constraints=("a >= 0", "b >= 0"))
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate, expected=problem).valid
    assert result.certificate["steps"][0] == {"kind": "shift", "vars": ["a", "b"], "new": ["x", "y"],
                                              "indices": [0, 1]}


def test_constraint_with_denominators_in_other_variables_does_not_crash_a_substitution():
    # Bug: invert_all on 1/(a*b*c) = 1 cleared a's denominator, then read the constraint as a polynomial while
    # 1/b was still in it: PolynomialError escaped the search and the problem ended in 'error'
    problem = Problem(id="r", vars=("a", "b", "c"), domain="positive", goal="1/a + 1/b + 1/c >= 3",
                      constraints=("1/(a*b*c) = 1",))
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate).valid


def test_true_goal_not_refuted_where_the_equality_projection_ran_off():
    # Bug: the Newton projection onto the equalities accepted a residual up to 1e-10 * (1 + |x|)^4, so a point at
    # |x| ~ 1e55 with 1/(a*b*c*d) = 1 off by 1 counted as feasible and this true goal was refuted there
    from reasoning.ineq.numeric import find_counterexample

    problem = Problem(id="r", vars=tuple("abcd"), domain="positive", goal="1/a + 1/b + 1/c + 1/d >= 4",
                      constraints=("1/(a*b*c*d) = 1",))
    assert find_counterexample(problem.parse()) is None
    assert prove(problem, CFG).status == "proved"
