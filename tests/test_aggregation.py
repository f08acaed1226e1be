"""pass@k / maj@k estimators, equivalence-class voting with the real verifiers, and the scorers."""

from __future__ import annotations

import itertools
import json
import random
import sys
from math import comb
from pathlib import Path

import pytest

import verifiers
from reasoning.aggregation import cluster_answers, k_values, maj_at_k, majority, pass_at_k
from reasoning.config import ConfigError, SamplingConfig, SolveConfig
from reasoning.scorers import best_of_n, load_scorer, weighted_vote
from reasoning.solve import solve

sys.path.insert(0, str(Path(__file__).parent))  # for the fn: scorer module


def _pass_at_k_by_enumeration(n: int, c: int, k: int) -> float:
    outcomes = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(outcomes, k))
    return sum(any(s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n, c, k", [(5, 0, 1), (5, 1, 1), (5, 2, 3), (8, 3, 4), (8, 8, 2), (10, 1, 10)])
def test_pass_at_k_equals_enumeration(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(_pass_at_k_by_enumeration(n, c, k))


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(4, 5, 1)


def test_maj_at_k_exact_and_monte_carlo_agree():
    rng = random.Random(0)
    labels = [rng.choice([0, 0, 0, 1, 2, None]) for _ in range(12)]
    exact = maj_at_k(labels, {0}, 5, draws=10**6)  # C(12, 5) = 792: enumerated
    sampled = maj_at_k(labels, {0}, 5, draws=500, seed=1)  # Monte Carlo
    assert comb(12, 5) == 792 and abs(exact - sampled) < 0.06


def test_maj_at_1_is_pass_at_1_and_maj_rises_when_the_mode_is_right():
    labels = [0, 0, 0, 1, 2, 0, 1, 0]  # mode is the correct class 0 (5 of 8)
    assert maj_at_k(labels, {0}, 1) == pytest.approx(5 / 8)
    assert maj_at_k(labels, {0}, 8) == 1.0 > maj_at_k(labels, {0}, 4) > 5 / 8


def test_equivalent_answers_vote_together_with_the_real_verifiers():
    answers = ["1/2", "0.5", "\\frac{2}{4}", "3", "3", None]
    clusters = cluster_answers(answers, key=verifiers.answer_key, equivalent=verifiers.answers_equivalent)
    assert clusters.label[:3] == (0, 0, 0) and clusters.label[3] == clusters.label[4] != 0
    assert majority(clusters.label) == 0  # three votes for one half beat two for 3


def test_symbolically_equal_answers_merge_across_keys():
    answers = ["\\sqrt{2}/2", "\\frac{1}{\\sqrt{2}}", "2"]
    clusters = cluster_answers(answers, key=verifiers.answer_key, equivalent=verifiers.answers_equivalent)
    assert clusters.label[0] == clusters.label[1] != clusters.label[2]


def test_k_values():
    assert k_values(16) == [1, 2, 4, 8, 16] and k_values(3) == [1, 2, 3]


def test_weighted_vote_and_best_of_n():
    assert weighted_vote([0, 1, 1], [0.9, 0.2, 0.2]) == 0
    assert weighted_vote([None], [1.0]) is None
    assert best_of_n([0.2, 0.9, 0.1]) == 1


def test_bad_scorer_specs_say_what_to_use():
    with pytest.raises(ConfigError, match="use oracle, rm:PATH or fn:MODULE:FUNCTION"):
        load_scorer("magic")
    with pytest.raises(ConfigError, match="cannot import 'nope'"):
        load_scorer("fn:scorer_functions:nope")


def test_reward_model_scorer_scores_each_sample(tiny_model_dir, tmp_path):
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    config = AutoConfig.from_pretrained(tiny_model_dir, num_labels=1)
    model = AutoModelForSequenceClassification.from_config(config)  # a real (untrained) reward model head
    model.save_pretrained(tmp_path / "rm")
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(tmp_path / "rm")
    scorer = load_scorer(f"rm:{tmp_path / 'rm'}")
    scores = scorer.score_batch(["Q1", "Q2"], ["\\boxed{1}", "no idea"], [True, False])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores) and scores[0] != scores[1]


@pytest.mark.parametrize("spec", ["oracle", "fn:scorer_functions:prefers_long"])
def test_solve_reports_weighted_vote_and_best_of_n(tiny_backend, tmp_path, spec):
    config = SolveConfig(source="arith-test", limit=3, out=str(tmp_path / "run"), scorer=spec,
                         sampling=SamplingConfig(n=4, max_tokens=16))
    result = solve(config, progress=False, backend=tiny_backend)
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["scorer"] == spec and summary["scorer_is_oracle"] == (spec == "oracle")
    if spec == "oracle":  # best-of-n by the oracle is exactly pass@n
        assert summary["best_of_n_accuracy"] == pytest.approx(summary["pass_at_k"]["4"])
    assert 0.0 <= summary["weighted_vote_accuracy"] <= 1.0
