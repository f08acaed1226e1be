"""Verifiable rewards: adapters for TRL and verl over the exact verifier that benchmarks use.

One core, `reward_from_verdict`: 1.0 for correct; 0.0 for incorrect, no_answer and unparseable (the model's
fault); None for timeout and gold_error, because those say nothing about the completion and scoring them 0 would
silently bias training (the verl/Math-Verify `signal.alarm` failure in ANCHORS.md). TRL ignores None rewards.

>>> reward(r"\\boxed{3}", "3"), reward("no idea", "3"), reward(r"\\boxed{3}", "")
(1.0, 0.0, None)
"""

from __future__ import annotations

from typing import Any

from verifiers.api import verify, verify_batch
from verifiers.limits import DEFAULT_TIMEOUT
from verifiers.verdict import CORRECT, GOLD_ERROR, TIMEOUT, Verdict

__all__ = ["reward_from_verdict", "reward", "trl_reward", "compute_score"]

_GOLD_KWARGS = ("answer", "gold", "solution", "ground_truth")


def reward_from_verdict(verdict: Verdict) -> float | None:
    """1.0 correct, 0.0 for the model's own failures, None when the verdict says nothing about the model."""
    if verdict.status == CORRECT:
        return 1.0
    if verdict.status in (TIMEOUT, GOLD_ERROR):
        return None
    return 0.0


def reward(completion: str, gold: str, *, timeout: float = DEFAULT_TIMEOUT) -> float | None:
    """The reward of one completion against its gold answer."""
    return reward_from_verdict(verify(completion, gold, timeout=timeout))


def _text(completion: Any) -> str:
    """TRL passes plain strings, or conversations as lists of {"role", "content"} messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    raise TypeError(f"unsupported completion type {type(completion).__name__}; pass a str or a list of messages")


def trl_reward(prompts: list, completions: list, **kwargs: Any) -> list[float | None]:
    """A TRL `reward_funcs` entry: gold answers come from the dataset column `answer` (or `gold`, `solution`,
    `ground_truth`), which TRL passes as a keyword argument.

    >>> trl_reward(["q1", "q2"], [r"\\boxed{2}", "#### 5"], answer=["2", "4"])
    [1.0, 0.0]
    """
    column = next((name for name in _GOLD_KWARGS if name in kwargs), None)
    if column is None:
        raise KeyError(f"trl_reward needs the gold answers in a dataset column named one of {_GOLD_KWARGS}")
    golds = kwargs[column]
    if len(golds) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(golds)} gold answers")
    verdicts = verify_batch(zip((_text(c) for c in completions), (str(g) for g in golds)))
    return [reward_from_verdict(v) for v in verdicts]


trl_reward.__name__ = "math_verifier"  # TRL logs rewards under the function's name


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None) -> dict:
    """verl's `custom_reward_function` signature. verl needs a number, so `score` is 1.0/0.0 and the verdict rides
    along: `verified` is False for timeout/gold_error, whose 0.0 must be filtered rather than trusted.

    >>> compute_score("gsm8k", "#### 12", "12")["score"]
    1.0
    """
    verdict = verify(solution_str, str(ground_truth))
    value = reward_from_verdict(verdict)
    return {
        "score": 0.0 if value is None else value,
        "acc": verdict.correct,
        "verified": value is not None,
        "status": verdict.status,
        "method": verdict.method,
    }
