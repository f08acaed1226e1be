"""Scorers for weighted voting and best-of-n: the verifier (oracle), a reward model, or a user function.

Spec strings (the `--scorer` flag):
- `oracle`: 1 if the verifier judged the sample correct against the gold, else 0. It sees the gold answer, so its
  best-of-n is pass@n: an upper bound, reported as such, never a method.
- `rm:PATH`: a Hugging Face sequence-classification reward model; the score is the sigmoid of its first logit
  on (prompt + completion).
- `fn:MODULE:FUNCTION`: any importable `function(question: str, completion: str) -> float`.

Weighted voting adds each sample's score (negative scores count as 0) to its answer's class; best-of-n takes the
highest-scoring sample.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reasoning.config import ConfigError


@dataclass
class Scorer:
    name: str
    is_oracle: bool
    score_batch: Callable[[Sequence[str], Sequence[str], Sequence[bool]], list[float]]
    """(prompts, completions, verifier verdicts) -> one score per sample."""


def _oracle(prompts: Sequence[str], completions: Sequence[str], correct: Sequence[bool]) -> list[float]:
    return [1.0 if ok else 0.0 for ok in correct]


def _reward_model(path: str) -> Callable[[Sequence[str], Sequence[str], Sequence[bool]], list[float]]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    except (OSError, ValueError) as error:
        raise ConfigError(f"--scorer rm:{path}: cannot load a sequence-classification model: {error}") from error
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id

    def score(prompts: Sequence[str], completions: Sequence[str], correct: Sequence[bool]) -> list[float]:
        texts = [p + c for p, c in zip(prompts, completions)]
        out: list[float] = []
        for start in range(0, len(texts), 16):
            batch = tokenizer(texts[start : start + 16], return_tensors="pt", padding=True, truncation=True,
                              add_special_tokens=False)
            with torch.inference_mode():
                logits = model(**batch).logits  # (B, labels)
            out += torch.sigmoid(logits[:, 0].float()).tolist()
        return out

    return score


def _user_function(spec: str) -> Callable[[Sequence[str], Sequence[str], Sequence[bool]], list[float]]:
    module_name, _, function_name = spec.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise ConfigError(f"--scorer fn:{spec}: cannot import {function_name!r} from {module_name!r}: {error}") from error

    def score(prompts: Sequence[str], completions: Sequence[str], correct: Sequence[bool]) -> list[float]:
        return [float(function(p, c)) for p, c in zip(prompts, completions)]

    return score


def load_scorer(spec: str) -> Scorer:
    """A scorer from its spec string (see the module docstring)."""
    if spec == "oracle":
        return Scorer("oracle", True, _oracle)
    kind, _, rest = spec.partition(":")
    if kind == "rm" and rest:
        return Scorer(spec, False, _reward_model(rest))
    if kind == "fn" and ":" in rest:
        return Scorer(spec, False, _user_function(rest))
    raise ConfigError(f"--scorer {spec!r}: use oracle, rm:PATH or fn:MODULE:FUNCTION")


def weighted_vote(labels: Sequence[int | None], scores: Sequence[float]) -> int | None:
    """The class with the largest total score; ties go to the class seen first.

    >>> weighted_vote([0, 1, 1, None], [0.9, 0.3, 0.4, 5.0])
    0
    """
    totals: dict[int, float] = {}
    for label, score in zip(labels, scores):
        if label is not None:
            totals[label] = totals.get(label, 0.0) + max(score, 0.0)
    if not totals:
        return None
    best = max(totals.values())
    return next(l for l in labels if l is not None and totals[l] == best)


def best_of_n(scores: Sequence[float]) -> int:
    """Index of the highest-scoring sample (first on ties).

    >>> best_of_n([0.1, 0.7, 0.7])
    1
    """
    return max(range(len(scores)), key=lambda i: (scores[i], -i))
