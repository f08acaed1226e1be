"""Target-goal features for the learned policy: what the AM-GM LP and the SOS finisher can use in a goal."""

from fractions import Fraction

import pytest

from reasoning.ineq import Problem
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.goal_features import goal_features, statement_features
from reasoning.ineq.policy import LearnedPolicy, featurize, target_prefix


def _poly(terms: dict) -> dict:
    return {m: Fraction(c) for m, c in terms.items()}


def test_four_point_am_gm_is_in_the_hull_but_not_in_a_small_cover():
    # a^4 + b^4 + c^4 + d^4 - 4abcd: abcd is the centre of all four points, which the LP's pair/triple AM-GM
    # columns cannot reach; two-variable AM-GM a^2 + b^2 - 2ab is covered by a pair
    four = _poly({(4, 0, 0, 0): 1, (0, 4, 0, 0): 1, (0, 0, 4, 0): 1, (0, 0, 0, 4): 1, (1, 1, 1, 1): -4})
    f = goal_features(four, (True,) * 4)
    assert f["hull_cover"] == 1.0 and f["small_cover"] == 0.0 and f["tight_center"] == 1.0
    two = goal_features(_poly({(2, 0): 1, (0, 2): 1, (1, 1): -2}), (True, True))
    assert two["hull_cover"] == two["small_cover"] == 1.0


def test_negative_term_outside_the_hull_and_odd_powers_of_real_variables():
    # a^2 + b^2 - a^3: a^3 lies outside the hull of a^2, b^2 (degree 3 > 2); slack at (1, 1) is 1, not tight
    f = goal_features(_poly({(2, 0): 1, (0, 2): 1, (3, 0): -1}), (True, True))
    assert f["hull_cover"] == f["small_cover"] == 0.0 and f["tight_center"] == 0.0
    # for real variables a positive a^3 term is not nonnegative, so AM-GM cannot use it
    g = goal_features(_poly({(3, 0): 1, (0, 2): 1, (1, 1): -1}), (False, False))
    assert g["odd_pos"] == 0.5
    assert goal_features(_poly({(3, 0): 1, (0, 2): 1, (1, 1): -1}), (True, True))["odd_pos"] == 0.0


def test_cyclic_but_not_symmetric():
    cyclic = _poly({(2, 1, 0): 1, (0, 2, 1): 1, (1, 0, 2): 1, (1, 1, 1): -3})
    symmetric = _poly({(3, 0, 0): 1, (0, 3, 0): 1, (0, 0, 3): 1, (1, 1, 1): -3})
    assert goal_features(cyclic, (True,) * 3)["cyclic_only"] == 1.0
    assert goal_features(symmetric, (True,) * 3)["cyclic_only"] == 0.0


def _statement(goal: str, *constraints: str) -> dict:
    from reasoning.ineq.transforms import initial_state

    problem = Problem(id="t", vars=("a", "b", "c"), domain="positive", goal=goal, constraints=constraints)
    return statement_features(initial_state(problem.parse()))


def test_statement_features_tell_constraint_kinds_and_radical_goals_apart():
    product = _statement("a + b + c >= 3", "a*b*c = 1")
    linear = _statement("a*b + b*c + c*a <= 3", "a + b + c = 3")
    usamo = _statement("a*b + b*c + c*a - a*b*c <= 2", "a^2 + b^2 + c^2 + a*b*c = 4")
    ratio = _statement("a + c >= 2*b", "a*c = b^2")
    assert (product["eq_degree"], product["eq_homogeneous"]) == (0.75, 0.0)
    assert (linear["eq_degree"], linear["eq_homogeneous"]) == (0.25, 0.0)
    assert (ratio["eq_degree"], ratio["eq_homogeneous"]) == (0.5, 1.0)
    assert usamo["eq_degree"] == 0.75 and usamo["eq_terms"] > product["eq_terms"]
    rooted = _statement("a + b + c >= 3", "sqrt(a) + sqrt(b) + sqrt(c) = 3")  # no polynomial: seen as no degree
    assert rooted["eq_degree"] == rooted["eq_terms"] == 0.0
    free = _statement("a^2 + b^2 + c^2 >= a*b + b*c + c*a")
    assert free["eq_degree"] == free["eq_terms"] == free["eq_homogeneous"] == 0.0
    assert free["n_radicals"] == free["n_fractions"] == 0.0
    roots = _statement("sqrt(a) + sqrt(b) + sqrt(c) <= a + b + c", "a*b*c = 1")
    nesbitt = _statement("a/(b + c) + b/(c + a) + c/(a + b) >= 3/2")
    assert roots["n_radicals"] > 0 and roots["n_fractions"] == 0.0
    assert nesbitt["n_fractions"] > 0 and nesbitt["n_radicals"] == 0.0
    assert nesbitt["expr_ops"] > _statement("a + b + c >= 3")["expr_ops"]


def test_each_finisher_reads_the_features_of_its_own_target_goal():
    assert [target_prefix(a) for a in ("lp", "sos_hom", "lp_dsq", "buffalo_conj", "lp_mul", "ravi", "power_sub_all")] \
        == ["g_", "h_", "d_", "c_", "m_", "g_", "g_"]
    f = {"depth": 0, "polynomial": 1, "h_hull_cover": 1.0, "h_neg_terms": 1.0, "g_hull_cover": 0.0}
    changed = dict(f, h_hull_cover=0.0)  # only the homogenised goal's feature differs
    assert (featurize(f, "lp_hom") != featurize(changed, "lp_hom")).any()
    assert (featurize(f, "lp") == featurize(changed, "lp")).all()


def test_learned_policy_prefers_the_finisher_whose_target_it_can_cover():
    samples = []
    for cover in (0.0, 0.5, 1.0):
        for degree in (2, 4, 6):
            f = {"nvars": 3, "degree": degree, "polynomial": 1, "depth": 0, "g_neg_terms": 1.0,
                 "g_small_cover": cover, "g_hull_cover": cover}
            samples += [(f, "lp", int(cover == 1.0)), (f, "sos", int(cover < 1.0))]
    policy = LearnedPolicy.train(samples)
    covered = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0, "g_neg_terms": 1.0, "g_small_cover": 1.0,
               "g_hull_cover": 1.0}
    uncovered = dict(covered, g_small_cover=0.0, g_hull_cover=0.0)
    assert policy.score(covered, "lp") < policy.score(covered, "sos")
    assert policy.score(uncovered, "sos") < policy.score(uncovered, "lp")


def test_search_computes_target_features_only_for_a_policy_that_reads_them(tmp_path):
    from reasoning.ineq import prove
    from reasoning.ineq.policy import bundled_policy_path

    problem = Problem(id="t", vars=("a", "b", "c"), domain="positive", goal="a^3 + b^3 + c^3 >= 3*a*b*c")
    plain = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200, policy="heuristic"))
    assert not any(k.startswith("g_") or k == "expr_ops" for f, _, _ in plain.trace for k in f)
    learned = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200, policy="learned",
                                          policy_path=str(bundled_policy_path())))
    assert learned.status == "proved" and all("g_hull_cover" in f and "eq_degree" in f for f, _, _ in learned.trace)
    explored = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200, policy="heuristic",
                                           explore=True))  # training data carries them
    assert all("g_hull_cover" in f and "expr_ops" in f for f, _, _ in explored.trace)


def test_a_weights_file_from_before_the_target_features_must_be_retrained(tmp_path):
    import json

    from reasoning.ineq.policy import ACTIONS, STATE_FEATURES

    old = tmp_path / "old.json"
    old.write_text(json.dumps({"actions": ACTIONS, "features": STATE_FEATURES, "weights": [0.0] * 10}))
    with pytest.raises(ValueError, match="retrain"):
        LearnedPolicy.load(old)


def test_special_points_show_goals_that_need_their_constraints_and_boundary_equality_cases():
    # the Schur-type cubic of triangle sides (tri_cubic): negative at (1, 0, 0), so only the triangle constraints
    # make it true; zero at the degenerate triangle (2, 1, 1)
    cubic = {(3, 0, 0): -1, (0, 3, 0): -1, (0, 0, 3): -1, (1, 1, 1): -9}
    for m in ((2, 1, 0), (2, 0, 1), (1, 2, 0), (0, 2, 1), (1, 0, 2), (0, 1, 2)):
        cubic[m] = 2
    f = goal_features(_poly(cubic), (True,) * 3)
    assert f["min_special"] == -1.0 and f["tight_special"] == 1.0
    # Schur's degree-1 form is 0 at (1, 1, 0) as well as at (1, 1, 1); a^2 + b^2 + c^2 - ab - bc - ca only at the
    # diagonal, which tight_center covers
    schur = {(3, 0, 0): 1, (0, 3, 0): 1, (0, 0, 3): 1, (1, 1, 1): 3}
    for m in ((2, 1, 0), (2, 0, 1), (1, 2, 0), (0, 2, 1), (1, 0, 2), (0, 1, 2)):
        schur[m] = -1
    g = goal_features(_poly(schur), (True,) * 3)
    assert g["tight_special"] == 1.0 and g["min_special"] == 0.0
    square = goal_features(_poly({(2, 0, 0): 1, (0, 2, 0): 1, (0, 0, 2): 1, (1, 1, 0): -1, (0, 1, 1): -1,
                                  (1, 0, 1): -1}), (True,) * 3)
    assert square["tight_special"] == 0.0 and 0 < square["min_special"] < 1
    # a goal with only positive terms reads 1
    assert goal_features(_poly({(2, 0, 0): 1, (0, 0, 1): 3}), (True,) * 3)["min_special"] == 1.0
    # real variables are also tried at -1: a^3 + b^3 >= 0 holds only for nonnegative a, b
    odd = _poly({(3, 0): 1, (0, 3): 1})
    assert goal_features(odd, (True, True))["min_special"] == 1.0
    assert goal_features(odd, (False, False))["min_special"] == -1.0
