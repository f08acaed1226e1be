"""Reward adapters share one core with `verify` (verifiers.rewards)."""

import threading

import pytest

from verifiers import compute_score, reward, trl_reward, verify
from verifiers.rewards import reward_from_verdict


def test_reward_values():
    assert reward(r"\boxed{3}", "3") == 1.0
    assert reward(r"\boxed{4}", "3") == 0.0
    assert reward("no answer here", "3") == 0.0
    assert reward(r"\boxed{\text{I refuse}}", "3") == 0.0  # unparseable is the model's fault
    assert reward(r"\boxed{3}", r"\frac{1}{") is None  # a broken gold says nothing about the model


def test_reward_is_the_verifier():
    for completion, gold in [(r"\boxed{\sqrt{4}}", "2"), ("#### 1,000", "1000"), ("The answer is 7", "8")]:
        assert reward(completion, gold) == reward_from_verdict(verify(completion, gold))


def test_trl_reward_plain_and_conversational():
    assert trl_reward(["p1", "p2"], [r"\boxed{2}", "#### 5"], answer=["2", "4"]) == [1.0, 0.0]
    conversations = [[{"role": "assistant", "content": r"\boxed{\frac{1}{2}}"}]]
    assert trl_reward(["p"], conversations, solution=["0.5"]) == [1.0]
    assert trl_reward.__name__ == "math_verifier"


def test_trl_reward_errors():
    with pytest.raises(KeyError, match="answer"):
        trl_reward(["p"], ["x"])
    with pytest.raises(ValueError, match="gold answers"):
        trl_reward(["p"], ["x"], answer=["1", "2"])


def test_compute_score_verl():
    assert compute_score("gsm8k", "#### 12", "12") == {
        "score": 1.0, "acc": True, "verified": True, "status": "correct", "method": "string"
    }
    broken = compute_score("math", r"\boxed{1}", r"\frac{1}{")
    assert broken["score"] == 0.0 and broken["verified"] is False and broken["status"] == "gold_error"


def test_rewards_from_threads():
    # reward functions run in worker threads in several RL frameworks; symbolic checks must still work
    results = [None] * 6
    def work(i):
        results[i] = reward(r"\boxed{2\sqrt{2}}", r"\sqrt{8}")
    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1.0] * 6
