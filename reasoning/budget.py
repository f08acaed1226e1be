"""Token budgets ("reasoning effort") and budget forcing.

Effort levels are named token budgets. Budget forcing (s1, Muennighoff et al. 2025): a sample that used its whole
budget without giving an answer gets an end-of-thinking marker (when it was inside a `<think>` block) and a
final-answer prompt appended, and is continued for a few tokens, so every sample yields an answer. The run records
which samples were forced.
"""

from __future__ import annotations

from dataclasses import dataclass

# Generated-token budget per sample for each effort level. Low suits short chain-of-thought models (and the
# built-in one); high is the DeepSeek-R1 style long-thinking regime (R1 reports use up to 32k).
EFFORT_TOKENS = {"low": 1024, "medium": 4096, "high": 16384}

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
ANSWER_PROMPT = "\n\nFinal answer: \\boxed{"


def effort_tokens(effort: str) -> int:
    """The token budget of an effort level.

    >>> effort_tokens("low")
    1024
    """
    if effort not in EFFORT_TOKENS:
        raise ValueError(f"unknown effort {effort!r}; choose from {', '.join(EFFORT_TOKENS)}")
    return EFFORT_TOKENS[effort]


@dataclass(frozen=True)
class Forcing:
    """What to append to a truncated sample, and how long the continuation may be."""

    suffix: str
    max_tokens: int


def forcing_for(prompt: str, text: str, *, answer_tokens: int = 32) -> Forcing:
    """The suffix that closes an open `<think>` block (if any) and asks for the final answer.

    >>> forcing_for("<think>\\n", "hmm, 2+2").suffix
    '\\n</think>\\n\\nFinal answer: \\\\boxed{'
    >>> forcing_for("Q:", "2+2 is").suffix
    '\\n\\nFinal answer: \\\\boxed{'
    """
    whole = prompt + text
    thinking = whole.rfind(THINK_OPEN) > whole.rfind(THINK_CLOSE)
    return Forcing(suffix=("\n" + THINK_CLOSE if thinking else "") + ANSWER_PROMPT, max_tokens=answer_tokens)
