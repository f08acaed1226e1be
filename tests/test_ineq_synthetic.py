"""Synthetic training problems: the moves keep true statements true (and substitutions keep false ones false)."""

import json
import random

import pytest
import sympy as sp

from reasoning.ineq import Problem, ProverConfig, check_certificate, prove
from reasoning.ineq.cli import main
from reasoning.ineq.numeric import find_counterexample
from reasoning.ineq.problem import bundled_path, load_problems
from reasoning.ineq.synthetic import MOVES, invert, synthesize, triangle

# moves that are bijections of the domain: they map false statements to false ones too
SUBSTITUTIONS = ("invert", "square", "root", "stretch", "shear", "triangle")


@pytest.fixture(scope="module")
def bundled():
    return load_problems(bundled_path())


def test_synthetic_problems_from_the_bundled_set_have_no_counterexample(bundled):
    problems = synthesize(bundled, 80, seed=3)
    assert len(problems) == 80 and len({p.id for p in problems}) == 80
    used = {m for p in problems for m in p.source.split(" by ")[1].split(", ")}
    assert used >= {"invert", "square", "root", "stretch", "times_sum", "cyclic_sum"}
    for problem in problems:
        assert find_counterexample(problem.parse(), samples=800, seed=5, optimise=1) is None, problem


@pytest.mark.parametrize("move", SUBSTITUTIONS)
def test_substitutions_keep_a_false_statement_false(move):
    # false at a = 2, b = c = 1 (and under Ravi at the matching triangle); true seeds stay true by the same map
    false = Problem(id="f", vars=("a", "b", "c"), domain="real" if move == "shear" else "positive",
                    goal="a*b + b*c + c*a >= a^2 + b^2 + c^2 - 1/10")
    moved = MOVES[move](false, random.Random(0))
    assert moved is not None and moved.goal != false.goal
    assert find_counterexample(moved.parse(), samples=2000, seed=1) is not None


def test_moves_refuse_problems_outside_their_domain():
    real = Problem(id="r", vars=("a", "b"), domain="real", goal="a^2 + b^2 >= 2*a*b")
    two = Problem(id="t", vars=("a", "b"), domain="positive", goal="a^2 + b^2 >= 2*a*b")
    assert invert(real, random.Random(0)) is None  # 1/x is no bijection of the reals
    assert triangle(two, random.Random(0)) is None  # Ravi needs three sides


def test_invert_rewrites_goal_and_constraints():
    problem = Problem(id="p", vars=("a", "b"), domain="positive", goal="a + b >= 2", constraints=("a*b = 1",))
    moved = invert(problem, random.Random(0))
    parsed = moved.parse()
    a, b = parsed.symbols
    assert sp.simplify(parsed.goal_expr - (1 / a + 1 / b - 2)) == 0
    assert [sp.simplify(e - (1 / (a * b) - 1)) for e in parsed.equalities] == [0]


def test_synthesize_is_deterministic_and_skips_duplicates(bundled):
    first = synthesize(bundled[:30], 25, seed=1)
    assert first == synthesize(bundled[:30], 25, seed=1)
    assert first != synthesize(bundled[:30], 25, seed=2)
    # no statement twice, and no seed given back (inverting (a+b+c)(1/a+1/b+1/c) >= 9 gives the seed itself)
    def statement(p):
        parsed = p.parse()
        return p.domain, sp.expand(parsed.goal_expr), parsed.equalities, parsed.inequalities

    made = [statement(p) for p in first]
    assert len(set(made)) == len(made) and not set(made) & {statement(p) for p in bundled[:30]}


def test_a_synthetic_problem_is_proved_and_checked():
    seed = Problem(id="amgm3", vars=("a", "b", "c"), domain="positive", goal="a^3 + b^3 + c^3 >= 3*a*b*c")
    moved = invert(seed, random.Random(0))  # 1/a^3 + 1/b^3 + 1/c^3 >= 3/(a*b*c)
    result = prove(moved, ProverConfig(timeout_s=30, counterexample_samples=200))
    assert result.status == "proved" and check_certificate(result.certificate).valid


def test_synth_cli_writes_loadable_problems(tmp_path, capsys):
    out = tmp_path / "s.jsonl"
    assert main(["ineq", "synth", str(bundled_path()), "--count", "12", "--seed", "4", "--out", str(out)]) == 0
    problems = load_problems(out)
    assert len(problems) == 12 and all(p.source.startswith("synthetic: ") for p in problems)
    assert main(["ineq", "synth", str(bundled_path()), "--ids", "nope", "--out", str(out)]) == 2
    assert "no seed problems" in capsys.readouterr().err
    assert main(["ineq", "synth", str(bundled_path()), "--count", "2", "--out", str(tmp_path / "no" / "s.jsonl")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert json.loads(out.read_text().splitlines()[0])["id"].startswith("syn0_")
