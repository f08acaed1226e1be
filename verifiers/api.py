"""The public entry points: `verify`, `verify_batch`, `answer_key`, `answers_equivalent`.

`verify` is two-phase (extract, then judge) and always returns a `Verdict`; inputs that are not strings and
unknown kinds raise (caller bugs), everything about the *content* becomes a status. Simple integer and fraction
answers are judged in-process without SymPy; only symbolic comparisons go to the worker pool.

>>> verify(r"so the answer is \\boxed{\\dfrac{2}{4}}", "0.5").status
'correct'
>>> verify("#### 1.50", "3/2").method
'numeric'
>>> answer_key("0.5") == answer_key(r"\\frac{2}{4}"), answer_key(r"\\text{Monday}") == answer_key("monday")
(True, True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from verifiers.limits import DEFAULT_TIMEOUT
from verifiers.normalize import is_plain_text, normalize
from verifiers.numeric import number_key, parse_number
from verifiers.routing import get_check, judge_texts
from verifiers.verdict import CORRECT, Verdict

__all__ = ["verify", "verify_batch", "answer_key", "answers_equivalent"]


def verify(completion: str, gold: str, *, kind: str = "auto", timeout: float = DEFAULT_TIMEOUT) -> Verdict:
    """Judge a model `completion` against the `gold` answer.

    kind: "auto" (route by the gold's shape), or a registered kind ("numeric", "symbolic", "choice", "text",
    and any plugged in with `verifiers.routing.register_kind`). timeout: wall-clock seconds for the symbolic check.
    Thread-safe; no signals are used.
    """
    if not isinstance(completion, str) or not isinstance(gold, str):
        raise TypeError("verify(completion, gold) takes two strings")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    return get_check(kind, gold)(completion, gold, timeout)


def verify_batch(
    pairs: Iterable[tuple[str, str]], *, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
    kind: str = "auto",
) -> list[Verdict]:
    """`verify` over (completion, gold) pairs, in order; up to `workers` symbolic checks run at once in the shared
    worker pool (default: one per CPU, at most 4)."""
    from verifiers.pool import default_workers, get_pool

    pairs = list(pairs)
    workers = workers or default_workers()
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers == 1 or len(pairs) <= 1:
        return [verify(c, g, kind=kind, timeout=timeout) for c, g in pairs]
    get_pool(workers)
    with ThreadPoolExecutor(max_workers=workers) as threads:
        return list(threads.map(lambda pair: verify(pair[0], pair[1], kind=kind, timeout=timeout), pairs))


def answer_key(answer_text: str) -> str:
    """A cheap canonical key of an extracted answer for majority voting: equal keys mean equivalent answers.

    Numbers map to their exact value (`0.5`, `1/2`, `\\frac{2}{4}` -> `1/2`); other answers to their normalised
    text. Different keys may still be equivalent (`\\sqrt{2}/2` vs `1/\\sqrt{2}`): merge those clusters with
    `answers_equivalent`.
    """
    norm = normalize(answer_text)
    number = parse_number(norm)
    if number is not None:
        return number_key(number)
    if is_plain_text(norm):  # words compare case-insensitively, as the text check does
        return "text:" + re.sub(r"[^a-z0-9]", "", norm.lower())
    return norm.replace(" ", "")


def answers_equivalent(a: str, b: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """True if two extracted answers are mathematically equivalent (symbolic check in the worker pool).

    Unparseable answers and timeouts count as not equivalent.
    """
    if answer_key(a) == answer_key(b):
        return True
    status, _, _ = judge_texts(normalize(b), normalize(a), timeout)
    return status == CORRECT
