"""The `ineq` CLI wiring, config validation, and the learned policy's training and persistence."""

import argparse
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from reasoning.ineq.cli import add_parser, main
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.policy import (
    ACTIONS, SCORING_SETTINGS, STATE_FEATURES, TEMPERATURE, HeuristicPolicy, LearnedPolicy, TunedPolicy, featurize,
)


def test_add_parser_registers_subcommands():
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ineq", "prove", "a^2 >= 0", "--vars", "a", "--domain", "real"])
    assert callable(args.func) and args.timeout == 60.0


def test_prove_writes_certificate(tmp_path, capsys):
    out = tmp_path / "c.json"
    lean = tmp_path / "c.lean"
    rc = main(["ineq", "prove", "a^2 + b^2 >= 2*a*b", "--vars", "a,b", "--domain", "real", "--timeout", "20",
               "--samples", "100", "--out", str(out), "--lean", str(lean)])
    assert rc == 0 and json.loads(out.read_text())["proof"]
    assert "UNCHECKED" in lean.read_text()
    assert main(["ineq", "check", str(out)]) == 0


@pytest.mark.parametrize("argv", [
    ["ineq", "prove", "__import__('os') >= 0", "--vars", "a"],
    ["ineq", "prove", "a >= 0", "--vars", "a", "--timeout", "0"],
    ["ineq", "prove", "a >= 0", "--vars", "a", "--finishers", "magic"],
])
def test_bad_arguments_give_one_line_errors(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("reasoning ineq: error:") and err.count("\n") == 1


def test_bench_is_resumable(tmp_path):
    problems = tmp_path / "p.jsonl"
    rows = [{"id": "p1", "vars": ["a", "b"], "domain": "real", "goal": "a^2 + b^2 >= 2*a*b", "tier": "easy",
             "tags": ["symmetric"], "source": "test"},
            {"id": "p2", "vars": ["a"], "domain": "real", "goal": "a^2 >= a", "tier": "easy", "tags": [],
             "source": "test (false)"}]
    problems.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "run"
    argv = ["ineq", "bench", str(problems), "--out", str(out), "--timeout", "20", "--samples", "300"]
    assert main(argv) == 0
    records = [json.loads(l) for l in (out / "results.jsonl").read_text().splitlines()]
    assert {r["id"]: r["status"] for r in records} == {"p1": "proved", "p2": "refuted"}
    assert (out / "certs" / "p1.json").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["by_tier"]["easy"]["proved"] == 1 and summary["config"]["timeout_s"] == 20
    assert main(argv) == 0  # resumed: nothing re-run
    assert len((out / "results.jsonl").read_text().splitlines()) == 2


def test_config_rejects_bad_combinations():
    with pytest.raises(ValueError, match="policy_path"):
        ProverConfig(policy="learned")
    with pytest.raises(ValueError, match="finishers"):
        ProverConfig(finishers=())
    with pytest.raises(ValueError, match="timeout"):
        ProverConfig(timeout_s=-1)


def test_learned_policy_learns_a_preference(tmp_path):
    # lp_hom succeeds whenever there are equalities, buffalo otherwise
    samples = []
    for eq in (0, 1):
        for degree in (2, 3, 4, 6):
            f = {"nvars": 3, "degree": degree, "equalities": eq, "polynomial": 1, "depth": 0}
            samples += [(f, "lp_hom", eq), (f, "buffalo", 1 - eq)]
    policy = LearnedPolicy.train(samples)
    with_eq = {"nvars": 3, "degree": 4, "equalities": 1, "polynomial": 1, "depth": 0}
    without = dict(with_eq, equalities=0)
    assert policy.score(with_eq, "lp_hom") < policy.score(with_eq, "buffalo")
    assert policy.score(without, "buffalo") < policy.score(without, "lp_hom")
    path = tmp_path / "w.json"
    policy.save(path)
    again = LearnedPolicy.load(path)
    assert again.score(with_eq, "lp_hom") == pytest.approx(policy.score(with_eq, "lp_hom"))
    assert set(ACTIONS) >= {"lp_hom", "buffalo", "sos", "ravi"}
    assert HeuristicPolicy().score(without, "lp_hom") < HeuristicPolicy().score(without, "sos")
    # training is reproducible for a seed, and another seed gives other networks that learn the same preference
    assert LearnedPolicy.train(samples).score(with_eq, "lp_hom") == policy.score(with_eq, "lp_hom")
    other = LearnedPolicy.train(samples, seed=10)
    assert other.score(with_eq, "lp_hom") != policy.score(with_eq, "lp_hom")
    assert other.score(with_eq, "lp_hom") < other.score(with_eq, "buffalo")


def test_temperature_lets_the_networks_margin_order_confident_finishers():
    # a one-layer network sure of both finishers (logit 6 for lp, 12 for sos) on a goal where sos works and lp does
    # not (vasc's inequality): at temperature 1 both probabilities round to 1 and the run-cost tie-break puts the
    # cheaper lp first; at the bundled temperature the network's margin decides
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0}
    width = len(featurize(f, "lp"))
    weight = np.zeros((width, 1))
    onehot = width - len(ACTIONS)
    weight[onehot + ACTIONS.index("lp"), 0], weight[onehot + ACTIONS.index("sos"), 0] = 6.0, 12.0
    policy = LearnedPolicy(np.zeros(width), np.ones(width), [[(weight, np.zeros(1))]])
    assert policy.temperature == TEMPERATURE > 1
    assert policy.score(f, "sos") < policy.score(f, "lp")
    cold = replace(policy, temperature=1.0)
    assert cold.probability(f, "lp") > 0.99 and cold.probability(f, "sos") > 0.99
    assert cold.score(f, "lp") < cold.score(f, "sos")


def test_a_policy_saved_before_an_action_was_added_loads_and_scores_it(tmp_path):
    # a file lists the actions of its one-hot; an action added since (here the last one) gets an all-zero one-hot
    old_actions = ACTIONS[:-1]
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0}
    width = len(featurize(f, "lp", actions=old_actions))
    assert width == len(featurize(f, "lp")) - 1
    weight = np.zeros((width, 1))
    weight[width - len(old_actions) + old_actions.index("lp"), 0] = 3.0
    path = tmp_path / "old.json"
    LearnedPolicy(np.zeros(width), np.ones(width), [[(weight, np.zeros(1))]], actions=old_actions).save(path)
    policy = LearnedPolicy.load(path)
    assert policy.actions == old_actions
    assert not featurize(f, ACTIONS[-1], actions=old_actions)[width - len(old_actions):].any()
    assert policy.score(f, "lp") < policy.score(f, ACTIONS[-1]) < float("inf")


def _weighing_traces() -> list[dict]:
    # one big explored tree where lp failed 150 times and sos proved the goal (problem "big"), against ten small
    # searches where lp proved the goal and sos failed
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0}
    rows = [{"id": "big", "trace": [[f, "lp", 0]] * 150 + [[f, "sos", 1]]}]
    return rows + [{"id": f"small{k}", "trace": [[f, "lp", 1], [f, "sos", 0]]} for k in range(10)]


def test_training_with_problem_ids_weighs_every_problem_alike(tmp_path, capsys):
    rows = _weighing_traces()
    f = rows[0]["trace"][0][0]
    samples = [(g, a, y) for row in rows for g, a, y in row["trace"]]
    ids = [row["id"] for row in rows for _ in row["trace"]]
    by_sample = LearnedPolicy.train(samples, members=1)
    by_problem = LearnedPolicy.train(samples, members=1, problems=ids)
    # per sample, lp failed 150 times in 160 and sos once in 11; per problem, lp proved 10 of its 11 problems
    # (compared by the networks' probabilities: the per-sample margin is small once the classes are balanced, and
    # the score's run-cost tie-break would hide it)
    assert by_sample.probability(f, "sos") > by_sample.probability(f, "lp")
    assert by_problem.probability(f, "lp") > by_problem.probability(f, "sos")
    assert by_problem.score(f, "lp") < by_problem.score(f, "sos")
    with pytest.raises(ValueError, match="problem ids"):
        LearnedPolicy.train(samples, problems=ids[:-1])
    # `train-policy` reads the problem ids from the traces and trains the same way
    traces, out = tmp_path / "traces.jsonl", tmp_path / "w.json"
    traces.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["ineq", "train-policy", str(traces), "--out", str(out)]) == 0
    trained = LearnedPolicy.load(out)
    assert trained.score(f, "lp") < trained.score(f, "sos")
    # a row without its problem id is named by file and line
    traces.write_text(traces.read_text() + json.dumps({"trace": [[f, "lp", 1]]}) + "\n")
    capsys.readouterr()
    assert main(["ineq", "train-policy", str(traces), "--out", str(out)]) == 2
    assert f"{traces}:12: no field 'id'" in capsys.readouterr().err


def test_bagged_members_each_train_on_a_bootstrap_of_the_problems():
    # six problems where lp proved the goal and six where it failed, on the same features: every member trained on
    # all twelve alike sits near even odds, while a bagged member sees a Poisson(1) draw of the problems, so the
    # members lean different ways; training is deterministic for a given seed either way
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0}
    samples = [(f, "lp", int(k < 6)) for k in range(12)]
    ids = [f"p{k}" for k in range(12)]
    whole = LearnedPolicy.train(samples, problems=ids, members=5, bagging=False)
    bagged = LearnedPolicy.train(samples, problems=ids, members=5)
    assert max(abs(z) for z in whole.logits(f, "lp")) < 0.1
    leaning = bagged.logits(f, "lp")
    assert min(leaning) < -0.3 and max(leaning) > 0.3
    assert LearnedPolicy.train(samples, problems=ids, members=5).logits(f, "lp") == leaning
    # one problem, drawn 0 times by some member's bootstrap: that member trains on it anyway
    alone = LearnedPolicy.train(samples[:1], problems=ids[:1], members=5, epochs=20).logits(f, "lp")
    assert all(math.isfinite(z) and z > 0 for z in alone)
    # the members run stacked: each logit is that member's own network on the standardised features
    x = (featurize(f, "lp") - bagged.mean) / bagged.std
    for member, z in zip(bagged.layers, leaning):
        (w1, b1), (w2, b2), (w3, b3) = member
        assert z == pytest.approx(float((np.tanh(np.tanh(x @ w1 + b1) @ w2 + b2) @ w3 + b3)[0]), abs=1e-9)


def test_tuned_policy_is_the_default_and_policies_differ_in_kind():
    assert ProverConfig().policy == "tuned"
    f = {"nvars": 2, "degree": 2, "log_terms": 1.0, "polynomial": 1, "homogeneous": 1.0, "slack": 0.5, "depth": 0}
    # the generic heuristic prices every substitution alike; the tuned table does not
    assert HeuristicPolicy().score(f, "ravi") == HeuristicPolicy().score(f, "power_sub_all")
    assert TunedPolicy().score(f, "ravi") != TunedPolicy().score(f, "power_sub_all")


def test_bundled_learned_policy_matches_the_current_actions_and_proves(tmp_path):
    from reasoning.ineq.policy import bundled_policy_path

    LearnedPolicy.load(bundled_policy_path())  # raises "retrain it" when actions or features changed
    out = tmp_path / "c.json"
    assert main(["ineq", "prove", "a^3 + b^3 + c^3 >= 3*a*b*c", "--vars", "a,b,c", "--policy", "learned",
                 "--timeout", "30", "--samples", "200", "--out", str(out)]) == 0
    assert main(["ineq", "check", str(out)]) == 0


def test_explore_labels_every_action_and_keeps_the_first_proof():
    # the LP proves this at once; exploring goes on to try the node's other finishers (Buffalo Way, SOS, LP with a
    # multiplier), so the trace also says which of them would have worked (the training data a ranking needs)
    from reasoning.ineq import Problem, check_certificate, prove

    problem = Problem(id="e1", vars=("a", "b", "c"), domain="positive", goal="a^3 + b^3 + c^3 >= 3*a*b*c")
    plain = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200, policy="heuristic"))
    explored = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200, policy="heuristic",
                                           explore=True))
    assert plain.status == explored.status == "proved" and explored.method == plain.method
    assert explored.nodes == plain.nodes and check_certificate(explored.certificate).valid
    assert len(explored.trace) > len(plain.trace)
    assert [(a, y) for _, a, y in explored.trace[:len(plain.trace)]] == [(a, y) for _, a, y in plain.trace]
    assert sum(y for *_, y in explored.trace) > 1  # more than one action closes this goal


def test_explore_labels_a_substitution_by_the_proofs_found_below_it():
    # x + y >= 2 with xy = 1: the LP with the difference-of-squares multiplier closes the root; the product-root
    # substitution leads to a goal that the finishers close too, so it is a positive example as well
    from reasoning.ineq import Problem, prove

    problem = Problem(id="t", vars=("x", "y"), domain="positive", goal="x + y >= 2", constraints=("x*y = 1",))
    result = prove(problem, ProverConfig(timeout_s=30, counterexample_samples=200, policy="heuristic",
                                         explore=True, max_depth=1))
    root = {(a, y) for f, a, y in result.trace if f["depth"] == 0}
    below = [y for f, a, y in result.trace if f["depth"] == 1]
    assert {("lp_dsq", 1), ("product_root", 1)} <= root and ("lp", 0) in root
    assert any(below)


def test_search_recognises_a_goal_it_has_seen_under_new_variable_names():
    # inverting every variable twice gives back the problem (with fresh names); the search must not explore it again
    from reasoning.ineq import Problem
    from reasoning.ineq.normalize import apply_macro, candidate_steps
    from reasoning.ineq.search import _state_key
    from reasoning.ineq.transforms import initial_state

    problem = Problem(id="t", vars=("a", "b", "c"), domain="positive", constraints=("a*b*c = 1",),
                      goal="(a - 1 + 1/b)*(b - 1 + 1/c)*(c - 1 + 1/a) <= 1")
    root = initial_state(problem.parse())
    once = apply_macro(root, dict(candidate_steps(root))["invert_all"])
    twice = apply_macro(once, dict(candidate_steps(once))["invert_all"])
    assert twice.names != root.names
    assert _state_key(twice) == _state_key(root) != _state_key(once)


def test_a_policy_file_keeps_its_scoring_settings_and_constant_features_keep_their_scale(tmp_path):
    # samples in which "inequalities" is always 0: a goal with one must not reach the networks as 1000 (the old
    # clamp of a constant column's scale to 1e-3 did that)
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0}
    policy = LearnedPolicy.train([(f, "lp", 1), (f, "sos", 0), (dict(f, degree=6), "lp", 0),
                                  (dict(f, degree=6), "sos", 1)], members=1)
    column = STATE_FEATURES.index("inequalities")  # `featurize` puts the state features first
    assert policy.std[column] == 1.0
    assert max(abs(z) for z in policy.logits(dict(f, inequalities=1), "lp")) < 100
    # temperature, substitution cost and heuristic share are saved with the weights (older files: the defaults)
    path = tmp_path / "w.json"
    replace(policy, temperature=2.0, substitution_cost=0.3).save(path)
    again = LearnedPolicy.load(path)
    assert (again.temperature, again.substitution_cost, again.heuristic_share) == (2.0, 0.3, policy.heuristic_share)
    data = json.loads(path.read_text())
    for key in SCORING_SETTINGS:
        del data[key]
    path.write_text(json.dumps(data))
    assert LearnedPolicy.load(path).temperature == TEMPERATURE


def test_a_policy_reads_only_the_features_it_was_trained_on(tmp_path):
    # trained without a target-goal feature (an ablation), the policy ignores it and its file says so; a file that
    # names a feature the search no longer computes is refused
    f = {"nvars": 3, "degree": 4, "polynomial": 1, "depth": 0, "g_neg_terms": 1.0, "g_min_special": -1.0}
    moved = dict(f, g_min_special=0.5)
    samples = [(f, "lp", 0), (f, "sos", 1), (moved, "lp", 1), (moved, "sos", 0)]
    full = LearnedPolicy.train(samples, members=1)
    ablated = LearnedPolicy.train(samples, members=1, exclude=("min_special",))
    assert "min_special" in full.target_features and "min_special" not in ablated.target_features
    assert full.logits(f, "lp") != full.logits(moved, "lp")
    assert ablated.logits(f, "lp") == ablated.logits(moved, "lp")
    path = tmp_path / "w.json"
    ablated.save(path)
    assert LearnedPolicy.load(path).logits(moved, "lp") == pytest.approx(ablated.logits(moved, "lp"), abs=1e-4)
    data = json.loads(path.read_text())
    path.write_text(json.dumps(dict(data, target_features=data["target_features"] + ["gone"])))
    with pytest.raises(ValueError, match="retrain it"):
        LearnedPolicy.load(path)
    with pytest.raises(ValueError, match="no such feature"):
        LearnedPolicy.train(samples, exclude=("gone",))


def test_labels_the_time_limit_decided_are_marked_and_can_be_left_out_of_training(tmp_path, capsys):
    # A failed label only says "this does not work" when the attempt ran to its end. Raw search trace: root 0 made
    # child 1 (whose subtree proved nothing and still had untried actions at the end) and child 2 (proved below);
    # an lp at the root was cut short by its share of the time, an sos at child 2 failed outright.
    from reasoning.ineq.policy import trace_samples
    from reasoning.ineq.search import _labels

    f = {"nvars": 2, "depth": 0}
    raw = [(f, "ravi", -1, 0, 1), (f, "lp", 0, 0, None), (f, "invert_all", -1, 0, 2), (f, "sos", 0, 2, None),
           (f, "lp", 1, 2, None), (f, "scale", -1, 1, 3)]
    labels = _labels(raw, cut={1}, open_nodes={3})
    assert [y for *_, y in labels["trace"]] == [0, 0, 1, 0, 1, 0]
    assert labels["cut_short"] == [1]
    assert labels["open_subtrees"] == [0, 5]  # ravi (open below its child) and scale (its child is open)
    # a subtree with nothing left to try is a real failure
    assert _labels(raw, cut=set(), open_nodes=set())["open_subtrees"] == []

    row = {"id": "p", **labels}
    samples, problems = trace_samples([row], drop_cut_short=True)
    assert [(a, y) for _, a, y in samples] == [("ravi", 0), ("invert_all", 1), ("sos", 0), ("lp", 1), ("scale", 0)]
    assert problems == ["p"] * 5
    samples, _ = trace_samples([row], drop_open=True)
    assert [a for _, a, _ in samples] == ["lp", "invert_all", "sos", "lp"]
    # by default (leaving them out was measured and did not help) and for rows written before the marks existed,
    # every sample is kept
    assert len(trace_samples([row])[0]) == len(trace_samples([{"id": "old", "trace": labels["trace"]}])[0]) == 6
    # `train-policy` reads the file through the same function
    traces, out = tmp_path / "traces.jsonl", tmp_path / "w.json"
    traces.write_text(json.dumps(row) + "\n")
    capsys.readouterr()
    assert main(["ineq", "train-policy", str(traces), "--out", str(out)]) == 0
    assert "trained on 6 samples (2 positive)" in capsys.readouterr().out
