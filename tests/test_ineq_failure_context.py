"""The search tells a policy which finisher families already failed at a node, and re-scores the node's other
actions for a policy that reads it; the learned policy learns from such traces."""

import json

import pytest

from reasoning.ineq import Problem, prove
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.policy import FAILURE_FEATURES, STATE_FEATURES, HeuristicPolicy, LearnedPolicy, Policy

# x + y >= 2 with xy = 1: the plain LP fails at the root, the LP on the difference-of-squares goal closes it
PROBLEM = Problem(id="t", vars=("x", "y"), domain="positive", goal="x + y >= 2", constraints=("x*y = 1",))


class _AfterLP(Policy):
    """lp first; lp_dsq last, unless the LP has already failed at the node, then right after it."""

    def __init__(self, reads_failures: bool):
        self.uses_failure_context = reads_failures

    def score(self, f: dict, action: str) -> float:
        if action == "lp":
            return 0.0
        if action == "lp_dsq":
            return 1.0 if f.get("failed_lp") else 9.0
        return 5.0


def _run(policy: Policy):
    return prove(PROBLEM, ProverConfig(timeout_s=30, counterexample_samples=200, max_depth=1), policy=policy)


def test_a_policy_that_reads_failures_is_asked_again_after_one():
    result = _run(_AfterLP(reads_failures=True))
    assert result.status == "proved" and result.method == "lp_dsq" and result.nodes == 2
    (first, a1, y1), (second, a2, y2) = result.trace[:2]
    assert (a1, y1, a2, y2) == ("lp", 0, "lp_dsq", 1)
    # the failed attempt's row keeps the features it was scored with; the next attempt's row says the LP failed
    assert "failed_lp" not in first and second["failed_lp"] == 1.0


def test_a_policy_that_ignores_failures_keeps_its_first_order():
    # the same scores without re-scoring: every other action (score 5) comes before lp_dsq (9)
    result = _run(_AfterLP(reads_failures=False))
    actions = [a for _, a, _ in result.trace]
    assert result.status == "proved" and actions[0] == "lp" and actions[1] != "lp_dsq"


def test_re_scoring_changes_the_order_of_the_attempts_never_their_set():
    # exploring searches run through the whole frontier, stale entries included: with or without re-scoring the
    # same actions are tried, each once (the stale entries of a re-scored node are skipped, not counted)
    config = ProverConfig(timeout_s=30, counterexample_samples=200, max_depth=1, explore=True)
    runs = [prove(PROBLEM, config, policy=_AfterLP(reads_failures)) for reads_failures in (True, False)]
    tried = [sorted((f["depth"], a, y) for f, a, y in run.trace) for run in runs]
    assert tried[0] == tried[1] and runs[0].nodes == runs[1].nodes
    assert [a for _, a, _ in runs[0].trace] != [a for _, a, _ in runs[1].trace]


class _Counting(HeuristicPolicy):
    def __init__(self):
        self.calls = 0

    def score(self, f: dict, action: str) -> float:
        self.calls += 1
        return super().score(f, action)


def test_a_policy_that_ignores_failures_is_scored_once_per_action():
    # the heuristic (and tuned) policies keep their order and cost: one score per listed action, however many fail
    policy = _Counting()
    result = prove(PROBLEM, ProverConfig(timeout_s=30, counterexample_samples=200, max_depth=1, explore=True),
                   policy=policy)
    assert any(y == 0 for _, a, y in result.trace if a.startswith("lp"))  # some finisher failed
    assert policy.calls == len(result.trace)


def test_learned_policy_learns_what_to_try_after_a_failure(tmp_path):
    # on one kind of goal lp usually works; where it failed, buffalo worked and lp_mul did not
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0}
    after = dict(f, failed_lp=1.0)
    samples, ids = [], []
    for k in range(12):
        rows = [(f, "lp", 1), (f, "lp_mul", 1)] if k % 3 else [(f, "lp", 0), (after, "lp_mul", 0), (after, "buffalo", 1)]
        samples += rows
        ids += [f"p{k}"] * len(rows)
    policy = LearnedPolicy.train(samples, problems=ids)
    assert policy.score(after, "buffalo") < policy.score(after, "lp_mul")
    assert policy.score(f, "lp_mul") < policy.score(after, "lp_mul")  # the failure makes lp_mul less likely
    # the ablation switch scores as if nothing had failed, and is saved with the weights
    blind = LearnedPolicy(policy.mean, policy.std, policy.layers, failure_context=False)
    assert not blind.uses_failure_context and blind.score(after, "lp_mul") == blind.score(f, "lp_mul")
    path = tmp_path / "w.json"
    blind.save(path)
    assert json.loads(path.read_text())["failure_context"] is False
    assert not LearnedPolicy.load(path).uses_failure_context
    assert LearnedPolicy.load(path).score(after, "buffalo") == pytest.approx(blind.score(after, "buffalo"), abs=1e-5)
    assert set(FAILURE_FEATURES) == {"failed_lp", "failed_buffalo", "failed_sos"}
    # trained without them (the ablation `benchmarks/policy_cv.py` compares with), the flags are ignored throughout
    ablated = LearnedPolicy.train(samples, problems=ids, failure_context=False)
    column = STATE_FEATURES.index("failed_lp")  # `featurize` puts the state features first
    assert policy.mean[column] > 0 and ablated.mean[column] == 0 and ablated.std[column] == 1
    assert not ablated.uses_failure_context and ablated.score(after, "buffalo") == ablated.score(f, "buffalo")
