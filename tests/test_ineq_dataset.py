"""The bundled dataset: schema, coverage, and a numerical sanity check of every problem."""

import pytest

from reasoning.ineq.numeric import find_counterexample
from reasoning.ineq.problem import bundled_path, load_problems

TAGS = {"symmetric", "cyclic", "constrained", "radicals", "n-variable", "triangle"}
PROBLEMS = load_problems(bundled_path())


def test_schema_and_coverage():
    assert len(PROBLEMS) >= 120
    for p in PROBLEMS:
        assert p.source and p.tier in ("easy", "medium", "hard"), p.id
        assert set(p.tags) <= TAGS, p.id
    for tier in ("easy", "medium", "hard"):
        assert sum(p.tier == tier for p in PROBLEMS) >= 15
    for tag in TAGS:
        assert sum(tag in p.tags for p in PROBLEMS) >= 8, tag


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_no_numerical_counterexample(problem):
    assert find_counterexample(problem.parse(), samples=1500, seed=7, optimise=2) is None


def test_sanity_check_catches_a_perturbed_problem():
    nesbitt = next(p for p in PROBLEMS if p.id == "nesbitt")
    from dataclasses import replace

    wrong = replace(nesbitt, goal=nesbitt.goal.replace("3/2", "3/2 + 1/1000"))
    assert find_counterexample(wrong.parse(), samples=1500, seed=7) is not None
