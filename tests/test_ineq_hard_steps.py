"""The three hard olympiad problems Triple-SOS proves (APMO 2004, IMO 2000, IMO 2008), the step kinds they need
(`ratio_sub`: a = x/y, b = y/z, c = z/x under abc = 1; `mobius`: x = a/(a - 1) for real x != 1), the SOS finisher
with equality multipliers and the all-reals fallback, and corrupted certificates of the new steps rejected."""

import copy
from fractions import Fraction

import pytest
import sympy as sp

from reasoning.ineq import Problem, ProverConfig, check_certificate, prove
from reasoning.ineq.finishers.common import Goal
from reasoning.ineq.finishers.sos_sdp import sos_certificate
from reasoning.ineq.problem import load_problems, bundled_path
from reasoning.ineq.transforms import StepError, apply_step, initial_state

CFG = ProverConfig(timeout_s=60, counterexample_samples=500)
HARD = ("apmo2004", "imo2000", "imo2008")


@pytest.fixture(scope="module")
def hard_certs():
    problems = {p.id: p for p in load_problems(bundled_path())}
    out = {}
    for pid in HARD:
        result = prove(problems[pid], CFG)
        assert result.status == "proved", (pid, result.status, result.message)
        assert check_certificate(result.certificate, expected=problems[pid]).valid
        out[pid] = result.certificate
    return out


def test_hard_problems_proved_with_expected_steps(hard_certs):
    assert not hard_certs["apmo2004"]["steps"]  # a plain SOS over all reals
    assert [s["kind"] for s in hard_certs["imo2000"]["steps"]] == ["ratio_sub"]
    assert [s["kind"] for s in hard_certs["imo2008"]["steps"]] == ["mobius"] * 3


def _corrupt(cert, fn):
    bad = copy.deepcopy(cert)
    fn(bad)
    return check_certificate(bad)


def _step(cert, kind):
    return next(s for s in cert["steps"] if s["kind"] == kind)


MOBIUS_CORRUPTIONS = {
    # pole moved to x = 2, where the goal is defined: x = 1 would then be a point the proof never covers
    "pole_elsewhere": lambda c: _step(c, "mobius").update(p="2"),
    "singular_map": lambda c: _step(c, "mobius").update(p="0", q="0"),
    "domain": lambda c: c["problem"].update(domain="positive"),
    "name_clash": lambda c: _step(c, "mobius").update(new="y"),
    "equality_multiplier": lambda c: c["proof"].update(equality_multipliers=["(-1)"]),
    "constraint": lambda c: c["problem"].update(constraints=["x*y*z = 2"]),
    "coefficient": lambda c: _step(c, "mobius").update(q="not a number"),
}


@pytest.mark.parametrize("name", sorted(MOBIUS_CORRUPTIONS))
def test_corrupted_mobius_certificate_rejected(hard_certs, name):
    assert not _corrupt(hard_certs["imo2008"], MOBIUS_CORRUPTIONS[name]).valid


RATIO_CORRUPTIONS = {
    "index": lambda c: _step(c, "ratio_sub").update(index=1),
    "names": lambda c: _step(c, "ratio_sub").update(new=["x", "x", "y"]),
    "too_few_names": lambda c: _step(c, "ratio_sub").update(new=["x", "y"]),
    "nonnegative": lambda c: c["problem"].update(domain="nonnegative"),
    "constraint_sum": lambda c: c["problem"].update(constraints=["a + b + c = 3"]),
    "constraint_constant": lambda c: c["problem"].update(constraints=["a*b*c = 2"]),
    "constraint_negative": lambda c: c["problem"].update(constraints=["a*b*c = -1"]),
}


@pytest.mark.parametrize("name", sorted(RATIO_CORRUPTIONS))
def test_corrupted_ratio_certificate_rejected(hard_certs, name):
    assert not _corrupt(hard_certs["imo2000"], RATIO_CORRUPTIONS[name]).valid


def test_forged_mobius_at_a_defined_point_rejected():
    """x**2 > 0 is false at x = 0 only; x = 1/a (pole 0) would turn it into 1/a**2 > 0, true wherever defined."""
    cert = {"format": "reasoning-ineq-certificate/1",
            "problem": Problem(id="f", vars=("x",), domain="real", goal="x^2 > 0").to_dict(),
            "steps": [{"kind": "mobius", "var": "x", "new": "a", "p": "0", "q": "1", "r": "1", "s": "0"}],
            "method": "lp", "proof": {"equality_multipliers": [], "terms": [{"kind": "mono", "c": "1", "mult": {}}]}}
    verdict = check_certificate(cert)
    assert not verdict.valid and "undefined" in verdict.reason


def test_mobius_step_is_exact():
    problem = Problem(id="t", vars=("x", "y"), domain="real", goal="x^2/(x - 1)^2 + y^2 >= 0",
                      constraints=("x*y = 3", "x + y >= 1"))
    state = apply_step(initial_state(problem.parse()),
                       {"kind": "mobius", "var": "x", "new": "a", "p": "1", "q": "0", "r": "1", "s": "-1"})
    a, y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
    assert sp.expand(state.expr - (a**2 + y**2)) == 0
    assert sp.expand(state.equalities[0] - (a * y - 3 * a + 3)) == 0 or \
        sp.expand(state.equalities[0] + (a * y - 3 * a + 3)) == 0
    # (a/(a - 1) + y - 1) has the sign of (a + (y - 1)(a - 1)) * (a - 1)
    assert sp.expand(state.inequalities[0][0] - (a + (y - 1) * (a - 1)) * (a - 1)) == 0
    with pytest.raises(StepError):  # y has no pole at 1: the point y = 1 would be lost
        apply_step(state, {"kind": "mobius", "var": "y", "new": "b", "p": "1", "q": "0", "r": "1", "s": "-1"})
    # an affine change (r = 0) is a bijection of the reals and needs no pole
    apply_step(state, {"kind": "mobius", "var": "y", "new": "b", "p": "2", "q": "1", "r": "0", "s": "1"})


def test_ratio_sub_keeps_other_constraints_and_variables():
    problem = Problem(id="t", vars=("a", "b", "c", "d"), domain="positive", goal="a + b + d >= 1/c",
                      constraints=("a*b = 2", "a + d >= 1"))
    state = apply_step(initial_state(problem.parse()), {"kind": "ratio_sub", "index": 0, "new": ["x", "y"]})
    assert state.names == ("x", "y", "c", "d") and not state.equalities
    x, y, d = (sp.Symbol(n, positive=True) for n in "xyd")
    (g, strict), = state.inequalities
    assert not strict and sp.expand(g - (2 * x + (d - 1) * y) * y) == 0  # (2x/y + d - 1) times y**2 > 0
    c = sp.Symbol("c", positive=True)
    assert sp.simplify(state.expr - (2 * x / y + y / x + d - 1 / c)) == 0


def test_sos_with_equality_multiplier():
    poly = {(2, 0, 0): Fraction(1), (0, 2, 0): Fraction(1), (0, 0, 2): Fraction(1), (0, 0, 0): Fraction(-1)}
    e = {(1, 1, 0): Fraction(1), (0, 1, 1): Fraction(1), (1, 0, 1): Fraction(1), (1, 0, 0): Fraction(-1),
         (0, 1, 0): Fraction(-1), (0, 0, 1): Fraction(-1), (0, 0, 0): Fraction(1)}
    proof = sos_certificate(Goal(("a", "b", "c"), ("real",) * 3, poly, (e,)))
    assert proof is not None and proof["equality_multipliers"][0] == {(0, 0, 0): Fraction(-2)}
    # without the constraint a^2 + b^2 + c^2 >= 1 is false: no certificate
    assert sos_certificate(Goal(("a", "b", "c"), ("real",) * 3, poly)) is None


@pytest.mark.parametrize("goal,constraints,domain", [
    ("(a - 1 + 1/b)*(b - 1 + 1/c)*(c - 1 + 1/a) <= 1 - 1/1000000", ("a*b*c = 1",), "positive"),
    ("(a - 1 + 1/b)*(b - 1 + 1/c)*(c - 1 + 1/a) <= 1", ("a*b*c = 2",), "positive"),
    ("(a - 1 + 1/b)*(b - 1 + 1/c)*(c - 1 + 1/a) < 1", ("a*b*c = 1",), "positive"),
    ("(a^2 + 2)*(b^2 + 2)*(c^2 + 2) >= 9*(a*b + b*c + c*a) + 1/1000000", (), "positive"),
])
def test_near_true_variants_not_proved(goal, constraints, domain):
    problem = Problem(id="f", vars=("a", "b", "c"), domain=domain, goal=goal, constraints=constraints)
    assert prove(problem, ProverConfig(timeout_s=6, counterexample_samples=0)).status != "proved"


# --- bonus: IMO 2005 (LP with constraint columns at degree 15) and IMO 2001 (tangent trick, `bounds` proofs) ---

def _prove_bundled(pid):
    problem = next(p for p in load_problems(bundled_path()) if p.id == pid)
    result = prove(problem, CFG)
    assert result.status == "proved", (pid, result.status, result.message)
    assert check_certificate(result.certificate, expected=problem).valid
    return result.certificate


def test_imo2005_by_lp_with_constraint_columns():
    cert = _prove_bundled("imo2005")
    assert cert["method"] == "lp" and any("g0" in t.get("mult", {}) for t in cert["proof"]["terms"])


@pytest.fixture(scope="module")
def bonus_certs():
    cert = _prove_bundled("imo2001")
    assert cert["method"] == "tangent" and len(cert["proof"]["bounds"]) == 3
    return {"imo2001": cert}


def _double_all(c):
    for bound in c["proof"]["bounds"]:
        bound["new"] = "2*" + bound["new"]


def _double_new(c):
    c["proof"]["bounds"][0]["new"] = "2*" + c["proof"]["bounds"][0]["new"]


def _nest_bounds(c):
    inner = copy.deepcopy(c)  # a bounds proof inside a bounds proof, about the right statement
    inner["problem"] = c["proof"]["bounds"][0]["certificate"]["problem"]
    c["proof"]["bounds"][0]["certificate"] = inner


BOUNDS_CORRUPTIONS = {
    "bigger_bound": _double_new,
    "bigger_bounds": _double_all,
    "wrong_shift": lambda c: c["proof"]["bounds"][1].update(perm=c["proof"]["bounds"][2]["perm"]),
    "not_a_permutation": lambda c: c["proof"]["bounds"][1].update(perm={"a": "a", "b": "a", "c": "c"}),
    "same_as_itself": lambda c: c["proof"]["bounds"][1].update(same_as=1),
    "drop_bound": lambda c: c["proof"]["bounds"].pop(),
    "duplicate_term": lambda c: c["proof"]["bounds"].append(copy.deepcopy(c["proof"]["bounds"][0])),
    "not_a_term": lambda c: c["proof"]["bounds"][0].update(old="a/sqrt(a^2 + 7*b*c)"),
    "rest_swapped": lambda c: c["proof"].update(rest=c["proof"]["bounds"][0]["certificate"]),
    "rest_goal": lambda c: c["problem"].update(goal=c["problem"]["goal"].replace(">= 1", ">= 1 + 1/1000")),
    "domain": lambda c: c["problem"].update(domain="nonnegative"),
    "nested_bounds": _nest_bounds,
    "nested_terms": lambda c: c["proof"]["bounds"][0]["certificate"]["proof"].update(buffalo=False, terms=[]),
}


@pytest.mark.parametrize("name", sorted(BOUNDS_CORRUPTIONS))
def test_corrupted_bounds_certificate_rejected(bonus_certs, name):
    verdict = _corrupt(bonus_certs["imo2001"], BOUNDS_CORRUPTIONS[name])
    assert not verdict.valid
    if name == "nested_bounds":
        assert "may not use bounds" in verdict.reason


def test_bound_sides_must_be_defined_everywhere():
    """x/(x - 1) is not defined at x = 1: a bound on it could not cover every point of the goal."""
    from reasoning.ineq.checker import _defined_everywhere

    state = initial_state(Problem(id="t", vars=("x", "y"), domain="positive", goal="x >= y").parse())
    x, y = (state.symbols[n] for n in "xy")
    assert _defined_everywhere(x / (x + 2 * y) + sp.sqrt(x**2 + 8 * y), state)
    assert not _defined_everywhere(x / (x - 1), state)
    assert not _defined_everywhere(sp.sqrt(x - y), state)


@pytest.mark.parametrize("goal", [
    "a/sqrt(a^2 + 8*b*c) + b/sqrt(b^2 + 8*c*a) + c/sqrt(c^2 + 8*a*b) >= 1 + 1/1000000",
    "a/sqrt(a^2 + 8*b*c) + b/sqrt(b^2 + 8*c*a) + c/sqrt(c^2 + 8*a*b) > 1",
    "a/sqrt(a^2 + 9*b*c) + b/sqrt(b^2 + 9*c*a) + c/sqrt(c^2 + 9*a*b) >= 1",
])
def test_imo2001_near_true_variants_not_proved(goal):
    problem = Problem(id="f", vars=("a", "b", "c"), domain="positive", goal=goal)
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


# --- APMO 1996: a Cauchy scaling of radicals (`radical_bound`: sqrt(P) >= L checked as P >= L^2) ---

@pytest.fixture(scope="module")
def apmo_cert():
    cert = _prove_bundled("apmo1996")
    first, *others = cert["proof"]["bounds"]
    assert cert["method"] == "radical_bound" and first["by"] == "square"
    # after Ravi and x -> x^2 every sqrt(y^2 + z^2) is bounded by (y + z)/sqrt(2), checked as y^2 + z^2 >= (y+z)^2/2;
    # the other two bounds are its images under permutations of the variables
    assert "sqrt" not in first["certificate"]["problem"]["goal"]
    assert [b["same_as"] for b in others] == [0, 0]
    return cert


def _loosen(c):
    bound = c["proof"]["bounds"][0]  # a bound that is too big: sqrt(y^2 + z^2) >= (y + z) fails at y = z
    bound["new"] = bound["new"].replace("sqrt(2)", "2")


SQUARE_CORRUPTIONS = {
    "bigger_bound": _loosen,
    "claimed_without_square": lambda c: c["proof"]["bounds"][0].pop("by"),
    "unknown_rule": lambda c: c["proof"]["bounds"][0].update(by="cauchy"),
    "square_of_a_non_radical": lambda c: c["proof"]["bounds"][0].update(old="u", new="u"),
    "nested_claim_swapped": lambda c: c["proof"]["bounds"][0].update(certificate=c["proof"]["rest"]),
    "image_without_citation": lambda c: c["proof"]["bounds"][1].pop("same_as"),
    "rest_swapped": lambda c: c["proof"].update(rest=c["proof"]["bounds"][0]["certificate"]),
}


@pytest.mark.parametrize("name", sorted(SQUARE_CORRUPTIONS))
def test_corrupted_radical_bound_certificate_rejected(apmo_cert, name):
    assert check_certificate(apmo_cert).valid
    assert not _corrupt(apmo_cert, SQUARE_CORRUPTIONS[name]).valid


def test_square_claim_reads_each_direction_and_refuses_what_squaring_cannot_show():
    from reasoning.ineq.checker import _Invalid, square_claim

    state = initial_state(Problem(id="s", vars=("u", "v"), domain="positive", goal="u + v >= 0").parse())
    u, v = state.symbols["u"], state.symbols["v"]
    # a lower bound of a positive radical term: P >= L^2
    assert square_claim(3 * sp.sqrt(u**2 + v**2), 3 * (u + v) / sp.sqrt(2), state) == \
        "u**2 + v**2 >= u**2/2 + u*v + v**2/2"
    # an upper bound of a radical (negative term): B^2 >= T^2, with B positive
    assert square_claim(-sp.sqrt(u * v), -(u + v) / 2, state) == "u**2/4 + u*v/2 + v**2/4 >= u*v"
    # a radical factor times a rational one squares to a rational function
    assert square_claim(u / sp.sqrt(u + v), u, state) == "u**2/(u + v) >= u**2"
    for old, new in [(-sp.sqrt(u**2 + v**2), -(u - v)),  # the upper bound may be negative: squares say nothing
                     (u, u),  # no radical
                     (sp.sqrt(u**2 + v**2), (u + v) / sp.root(2, 3)),  # L^2 is not rational
                     (sp.sqrt(u - v), u)]:  # the radical is not positive on the domain
        with pytest.raises(_Invalid):
            square_claim(old, new, state)


@pytest.mark.parametrize("goal", [
    "sqrt(a + b - c) + sqrt(b + c - a) + sqrt(c + a - b) <= sqrt(a) + sqrt(b) + sqrt(c) - 1/1000000",
    "sqrt(a + b - c) + sqrt(b + c - a) + sqrt(c + a - b) < sqrt(a) + sqrt(b) + sqrt(c)",
    "sqrt(a + b - c) + sqrt(b + c - a) + sqrt(c + a - b) <= 99/100*(sqrt(a) + sqrt(b) + sqrt(c))",
])
def test_apmo1996_near_true_variants_not_proved(goal):
    problem = Problem(id="f", vars=("a", "b", "c"), domain="positive", goal=goal,
                      constraints=("a < b + c", "b < c + a", "c < a + b"))
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


# --- Korea 1998: AM-GM on a radical made homogeneous by the constraint (`radical_bound`, checked squared) ---

@pytest.fixture(scope="module")
def korea_cert():
    cert = _prove_bundled("korea1998")
    assert cert["method"] == "radical_bound" and cert["proof"]["bounds"][0]["by"] == "square"
    assert [b.get("same_as") for b in cert["proof"]["bounds"][1:]] == [0, 0]  # images of the first bound
    # with a + b + c = abc: 1/(1 + a^2) = bc/((a + b)(a + c)), so 1/sqrt(1 + a^2) <= (b/(a + b) + c/(a + c))/2
    first = cert["proof"]["bounds"][0]
    assert first["old"] == "-1/sqrt(a**2 + 1)" and first["new"] == "-b/(2*a + 2*b) - c/(2*a + 2*c)"
    return cert


KOREA_CORRUPTIONS = {
    "other_split": lambda c: c["proof"]["bounds"][0].update(new="-b/(2*a + 2*c) - c/(2*a + 2*b)"),
    "bigger_bound": lambda c: c["proof"]["bounds"][0].update(new="-b/(4*a + 4*b) - c/(4*a + 4*c)"),
    "claimed_without_square": lambda c: c["proof"]["bounds"][0].update(by="nested"),
    "constraint": lambda c: c["problem"].update(constraints=["a + b + c = 2*a*b*c"]),
}


@pytest.mark.parametrize("name", sorted(KOREA_CORRUPTIONS))
def test_corrupted_korea_certificate_rejected(korea_cert, name):
    assert check_certificate(korea_cert).valid
    assert not _corrupt(korea_cert, KOREA_CORRUPTIONS[name]).valid


@pytest.mark.parametrize("goal,constraint", [
    ("1/sqrt(1 + a^2) + 1/sqrt(1 + b^2) + 1/sqrt(1 + c^2) <= 3/2 - 1/1000000", "a + b + c = a*b*c"),
    ("1/sqrt(1 + a^2) + 1/sqrt(1 + b^2) + 1/sqrt(1 + c^2) < 3/2", "a + b + c = a*b*c"),
    ("1/sqrt(1 + a^2) + 1/sqrt(1 + b^2) + 1/sqrt(1 + c^2) <= 3/2", "a + b + c = 2*a*b*c"),
])
def test_korea1998_near_true_variants_not_proved(goal, constraint):
    problem = Problem(id="f", vars=("a", "b", "c"), domain="positive", goal=goal, constraints=(constraint,))
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


# --- GM >= HM lower bounds of positive radical terms (`radical_bound`), checked squared; the bounds of a symmetric
# sum after the first cite it under a variable permutation (`same_as`) ---

@pytest.fixture(scope="module")
def prod1_sqrt_plus_cert():
    cert = _prove_bundled("prod1_sqrt_plus")
    assert cert["method"] == "radical_bound"
    # abc = 1: a/sqrt(b + c) >= 2*sqrt(2)*a/(b + c + 2), the AM-GM sqrt(2(b + c)) <= (2 + b + c)/2
    first, *others = cert["proof"]["bounds"]
    assert (first["old"], first["new"], first["by"]) == ("a/sqrt(b + c)", "2*sqrt(2)*a/(b + c + 2)", "square")
    assert "sqrt" not in first["certificate"]["problem"]["goal"]
    assert [b["same_as"] for b in others] == [0, 0] and not any("certificate" in b for b in others)
    return cert


PROD1_CORRUPTIONS = {
    "bigger_bound": lambda c: c["proof"]["bounds"][0].update(new="3*sqrt(2)*a/(b + c + 2)"),
    "bigger_image": lambda c: c["proof"]["bounds"][1].update(new="3*sqrt(2)*b/(a + c + 2)"),
    "wrong_permutation": lambda c: c["proof"]["bounds"][1].update(perm={"a": "a", "b": "b", "c": "c"}),
    "cites_itself": lambda c: c["proof"]["bounds"][1].update(same_as=1),
    "constraint": lambda c: c["problem"].update(constraints=["a*b*c = 8"]),
}


@pytest.mark.parametrize("name", sorted(PROD1_CORRUPTIONS))
def test_corrupted_gm_hm_bound_certificate_rejected(prod1_sqrt_plus_cert, name):
    assert check_certificate(prod1_sqrt_plus_cert).valid
    assert not _corrupt(prod1_sqrt_plus_cert, PROD1_CORRUPTIONS[name]).valid


def test_triangle_radicals_bounded_after_ravi():
    cert = _prove_bundled("tri_sqrt_sides")
    assert [s["kind"] for s in cert["steps"]][:1] == ["ravi"] and cert["method"] == "radical_bound"
    # sqrt((y + z)/(2x)) >= 2(y + z)/(2x + y + z): AM-GM on sqrt(2x(y + z)); the rest is Nesbitt's inequality
    assert all("sqrt" not in b["certificate"]["problem"]["goal"] for b in cert["proof"]["bounds"] if "certificate" in b)


@pytest.mark.parametrize("goal,constraints", [
    ("a/sqrt(b + c) + b/sqrt(c + a) + c/sqrt(a + b) >= 3/sqrt(2) + 1/1000000", ("a*b*c = 1",)),
    ("a/sqrt(b + c) + b/sqrt(c + a) + c/sqrt(a + b) > 3/sqrt(2)", ("a*b*c = 1",)),
    ("sqrt(a/(b + c - a)) + sqrt(b/(c + a - b)) + sqrt(c/(a + b - c)) >= 3 + 1/1000000",
     ("a < b + c", "b < c + a", "c < a + b")),
    ("sqrt(a*b/(a*b + c)) + sqrt(b*c/(b*c + a)) + sqrt(c*a/(c*a + b)) <= 3/2 - 1/1000000", ("a + b + c = 1",)),
])
def test_gm_hm_near_true_variants_not_proved(goal, constraints):
    problem = Problem(id="f", vars=("a", "b", "c"), domain="positive", goal=goal, constraints=constraints)
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


# --- AM-GM upper bound of a radical term c*sqrt(P), c < 0, made homogeneous by the constraint (`radical_bound`) ---

SQRT_SQ_PLUS_ONE = Problem(id="sqrt_sq_plus_one", vars=("a", "b", "c"), domain="positive",
                           constraints=("a*b + b*c + c*a = 1",),
                           goal="sqrt(a^2 + 1) + sqrt(b^2 + 1) + sqrt(c^2 + 1) <= 2*(a + b + c)")


@pytest.fixture(scope="module")
def sq_plus_one_cert():
    result = prove(SQRT_SQ_PLUS_ONE, CFG)
    assert result.status == "proved" and result.method == "radical_bound"
    # a^2 + 1 = a^2 + ab + bc + ca = (a + b)(a + c) on the constraint, so sqrt(a^2 + 1) <= (2a + b + c)/2
    first, *others = result.certificate["proof"]["bounds"]
    assert (first["old"], first["new"], first["by"]) == ("-sqrt(a**2 + 1)", "-a - b/2 - c/2", "square")
    assert [b.get("same_as") for b in others] == [0, 0]
    return result.certificate


SQ_PLUS_ONE_CORRUPTIONS = {
    "smaller_upper_bound": lambda c: c["proof"]["bounds"][0].update(new="-a - b/2 - c/3"),
    "unbalanced_split": lambda c: c["proof"]["bounds"][0].update(new="-a - b/4 - c"),
    "constraint": lambda c: c["problem"].update(constraints=["a*b + b*c + c*a = 2"]),
}


@pytest.mark.parametrize("name", sorted(SQ_PLUS_ONE_CORRUPTIONS))
def test_corrupted_sq_plus_one_certificate_rejected(sq_plus_one_cert, name):
    assert check_certificate(sq_plus_one_cert).valid
    assert not _corrupt(sq_plus_one_cert, SQ_PLUS_ONE_CORRUPTIONS[name]).valid


@pytest.mark.parametrize("goal", [
    "sqrt(a^2 + 1) + sqrt(b^2 + 1) + sqrt(c^2 + 1) <= 199/100*(a + b + c)",
    "sqrt(a^2 + 1) + sqrt(b^2 + 1) + sqrt(c^2 + 1) < 2*(a + b + c)",
])
def test_sq_plus_one_near_true_variants_not_proved(goal):
    problem = Problem(id="f", vars=("a", "b", "c"), domain="positive", goal=goal, constraints=("a*b + b*c + c*a = 1",))
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


# --- power means written with roots: both sides raised to the q-th power (`power_sides` step) ---

POWER_MEANS = [
    ("((a^3 + b^3 + c^3)/3)^(1/3) >= ((a^2 + b^2 + c^2)/3)^(1/2)", 6),
    ("a + b + c <= 3^(2/3)*(a^3 + b^3 + c^3)^(1/3)", 3),
    ("(a + b + c)/3 <= ((a^4 + b^4 + c^4)/3)^(1/4)", 4),
]


@pytest.mark.parametrize("goal,q", POWER_MEANS)
def test_power_means_with_roots_proved_by_raising_both_sides(goal, q):
    problem = Problem(id="pm", vars=("a", "b", "c"), domain="positive", goal=goal)
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate).valid
    assert {"kind": "power_sides", "q": q} in result.certificate["steps"]
    # another power gives another goal, which the finisher's identity does not prove
    wrong = _corrupt(result.certificate, lambda c: next(s for s in c["steps"] if s["kind"] == "power_sides")
                     .update(q=q + 1))
    assert not wrong.valid


def test_power_sides_needs_the_positive_side_nonnegative_and_for_odd_powers_both():
    from reasoning.ineq.transforms import StepError, initial_state, power_sides

    def state(goal, vars="a", domain="real"):
        return initial_state(Problem(id="r", vars=tuple(vars), domain=domain, goal=goal).parse())

    # over the reals: sqrt(a^2 + 1) + a + 2 >= 0 is P - N with P = sqrt(a^2 + 1) + a + 2, N = 0; P may be negative
    # for a real a, and squaring an inequality whose larger side may be negative proves nothing
    with pytest.raises(StepError, match="positive side"):
        power_sides(state("sqrt(a^2 + 1) >= -2 - a"), 2)
    # an odd power needs N >= 0 too: a root of a base that is not syntactically nonnegative is refused
    with pytest.raises(StepError, match="odd power"):
        power_sides(state("a >= cbrt(a^3 - b)", "ab", "positive"), 3)
    # an even power does not: P^2 >= N^2 with P >= 0 gives P >= |N| >= N (sqrt(a^2 + b^2) >= a for real a, b)
    b = sp.Symbol("b", real=True)
    assert power_sides(state("sqrt(a^2 + b^2) >= a", "ab"), 2).expr == b**2


def test_minkowski_over_the_reals_by_raising_both_sides_twice():
    problem = Problem(id="minkowski2", vars=tuple("abcd"), domain="real",
                      goal="sqrt(a^2 + b^2) + sqrt(c^2 + d^2) >= sqrt((a + c)^2 + (b + d)^2)")
    result = prove(problem, CFG)
    assert result.status == "proved" and check_certificate(result.certificate, expected=problem).valid
    assert result.certificate["steps"] == [{"kind": "power_sides", "q": 2}] * 2
    # 2*sqrt(A)*sqrt(B) - 2*(ac + bd) cubed would need ac + bd >= 0
    odd = _corrupt(result.certificate, lambda c: c["steps"][1].update(q=3))
    assert not odd.valid and "odd power" in odd.reason


@pytest.mark.parametrize("goal", [
    "((a^3 + b^3 + c^3)/3)^(1/3) >= 101/100*((a^2 + b^2 + c^2)/3)^(1/2)",
    "((a^3 + b^3 + c^3)/3)^(1/3) > ((a^2 + b^2 + c^2)/3)^(1/2)",
    "a + b + c <= 3^(2/3)*(a^3 + b^3 + c^3)^(1/3) - 1/1000000",
])
def test_power_mean_near_true_variants_not_proved(goal):
    problem = Problem(id="f", vars=("a", "b", "c"), domain="positive", goal=goal)
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


# --- a homogeneous goal restricted to the slice x1 + ... + xn = n (`scale` step), for SOS with equality multipliers ---

CYCLIC_CUBIC = Problem(id="cyclic_cubic_4_27", vars=("a", "b", "c"), domain="nonnegative",
                       goal="a^2*b + b^2*c + c^2*a + a*b*c <= 4*(a + b + c)^3/27")


@pytest.fixture(scope="module")
def scaled_cert():
    # tight at a = b = c and at (2, 1, 0) up to cycling and scaling: no certificate of the homogeneous cubic was
    # found (LP, Buffalo Way and SOS all fail); on a + b + c = 3 SOS with an equality multiplier proves it
    result = prove(CYCLIC_CUBIC, CFG)
    assert result.status == "proved" and {"kind": "scale", "total": 3} in result.certificate["steps"]
    return result.certificate


SCALE_CORRUPTIONS = {
    "other_total": lambda c: next(s for s in c["steps"] if s["kind"] == "scale").update(total=6),
    "step_dropped": lambda c: c.update(steps=[s for s in c["steps"] if s["kind"] != "scale"]),
    # still true, but no longer invariant under scaling: the checker's replay of the step must refuse it
    "goal_not_homogeneous": lambda c: c["problem"].update(
        goal="a^2*b + b^2*c + c^2*a + a*b*c <= 4*(a + b + c)^3/27 + (a + b + c - 3)^2"),
}


@pytest.mark.parametrize("name", sorted(SCALE_CORRUPTIONS))
def test_corrupted_scale_certificate_rejected(scaled_cert, name):
    assert check_certificate(scaled_cert).valid
    assert not _corrupt(scaled_cert, SCALE_CORRUPTIONS[name]).valid


@pytest.mark.parametrize("vars,domain,goal,constraints,reason", [
    ("abc", "positive", "a + b + c >= 3", (), "homogeneous"),  # true on the slice a + b + c = 3 only
    ("ab", "nonnegative", "a^2 + b^2 > 0", (), "strict"),  # false at the origin, which no scaling reaches
    ("ab", "nonnegative", "(a + b)/(a + b) >= 1/2", (), "degree 0"),  # constant: refused over nonnegative ones
    ("ab", "real", "a^2 + b^2 >= 2*a*b", (), "nonnegative or positive"),
    ("ab", "positive", "a^2 + b^2 >= 2*a*b", ("a*b = 1",), "equality"),
    ("ab", "positive", "a^2 + b^2 >= 2*a*b", ("a <= 1",), "not a homogeneous"),
])
def test_scale_refuses_goals_not_invariant_under_scaling(vars, domain, goal, constraints, reason):
    from reasoning.ineq.transforms import scale

    state = initial_state(Problem(id="s", vars=tuple(vars), domain=domain, goal=goal, constraints=constraints).parse())
    with pytest.raises(StepError, match=reason):
        scale(state, len(vars))


@pytest.mark.parametrize("goal,domain", [
    ("a^2*b + b^2*c + c^2*a + a*b*c <= 399/100*(a + b + c)^3/27", "nonnegative"),  # fails at a = b = c
    ("a^2*b + b^2*c + c^2*a + 11/10*a*b*c <= 4*(a + b + c)^3/27", "nonnegative"),
    ("a^2 + b^2 + c^2 > 0", "nonnegative"),
])
def test_scale_near_true_variants_not_proved(goal, domain):
    problem = Problem(id="f", vars=("a", "b", "c"), domain=domain, goal=goal)
    assert prove(problem, ProverConfig(timeout_s=8, counterexample_samples=0)).status != "proved"


JBMO2003 = Problem(id="jbmo2003", vars=("x", "y", "z"), domain="real",
                   goal="(1 + x^2)/(1 + y + z^2) + (1 + y^2)/(1 + z + x^2) + (1 + z^2)/(1 + x + y^2) >= 2",
                   constraints=("x > -1", "y > -1", "z > -1"))


@pytest.fixture(scope="module")
def jbmo_cert():
    result = prove(JBMO2003, CFG)
    assert result.status == "proved", (result.status, result.message)
    assert check_certificate(result.certificate, expected=JBMO2003).valid
    return result.certificate


def test_real_variables_with_lower_bounds_are_shifted_and_their_divisors_certified_as_written(jbmo_cert):
    # x = u - 1 with u > 0 for each bound; 1 + y + z^2 becomes v + (w - 1)^2, nonnegative as written though its
    # expansion v + w^2 - 2w + 1 has mixed signs; the exact SOS terms are long (beyond the statement length limit)
    assert jbmo_cert["steps"] == [{"kind": "shift", "vars": ["x", "y", "z"], "new": ["u", "v", "w"],
                                   "indices": [0, 1, 2]}]
    assert max(len(t.get("poly", "")) for t in jbmo_cert["proof"]["terms"]) > 4000


SHIFT_CORRUPTIONS = {
    # x shifted by y's bound, y by x's: refused
    "index": lambda c: c["steps"][0].update(indices=[1, 0, 2]),
    "positive_domain": lambda c: c["problem"].update(domain="positive"),
    "weaker_bound": lambda c: c["problem"].update(constraints=["x > -2", "y > -1", "z > -1"]),
    "name_clash": lambda c: c["steps"][0].update(new=["y", "v", "w"]),
    "repeated_name": lambda c: c["steps"][0].update(new=["u", "u", "w"]),
}


@pytest.mark.parametrize("name", sorted(SHIFT_CORRUPTIONS))
def test_corrupted_shift_certificate_rejected(jbmo_cert, name):
    assert not _corrupt(jbmo_cert, SHIFT_CORRUPTIONS[name]).valid


def test_shift_step_is_exact_and_refuses_what_is_not_a_bound():
    problem = Problem(id="t", vars=("x", "y"), domain="real", goal="x/(1 + y) + y >= 0",
                      constraints=("2*x + 2 > 0", "y <= 3", "x + y >= 0"))
    state = apply_step(initial_state(problem.parse()), {"kind": "shift", "vars": ["x"], "new": ["u"], "indices": [0]})
    u, y = sp.Symbol("u", positive=True), sp.Symbol("y", real=True)
    assert state.domains == (("u", "positive"), ("y", "real")) and len(state.inequalities) == 2
    assert sp.expand(state.inequalities[1][0] - (u - 1 + y)) == 0
    state = apply_step(state, {"kind": "shift", "vars": ["y"], "new": ["v"], "indices": [0]})  # y = 3 - v, v >= 0
    v = sp.Symbol("v", nonnegative=True)
    assert state.domain("v") == "nonnegative" and sp.simplify(state.expr - ((u - 1)/(4 - v) + 3 - v)) == 0
    assert sp.expand(state.inequalities[0][0] - (u + 2 - v)) == 0
    with pytest.raises(StepError, match="bound"):  # u + 2 - v involves two variables
        apply_step(state, {"kind": "shift", "vars": ["u"], "new": ["w"], "indices": [0]})
    with pytest.raises(StepError, match="real"):
        apply_step(initial_state(Problem(id="p", vars=("x",), domain="positive", goal="x >= 0",
                                         constraints=("x > 1",)).parse()),
                   {"kind": "shift", "vars": ["x"], "new": ["u"], "indices": [0]})


def test_divisor_sign_is_read_from_the_written_form_only_when_it_shows_one():
    from reasoning.ineq.transforms import polynomial_goal

    ok = Problem(id="t", vars=("v", "w"), domain="positive", goal="1/(v + (w - 1)^2) >= 0")
    N, D = polynomial_goal(initial_state(ok.parse()))
    assert N.as_expr() == 1
    for goal in ("1/(v - 1 + (w - 1)^2) >= 0", "1/(v*w - 2*w + 1) >= 0"):
        with pytest.raises(StepError, match="sign of denominator"):
            polynomial_goal(initial_state(Problem(id="t", vars=("v", "w"), domain="positive", goal=goal).parse()))
