"""Routing: the gold answer's shape picks the check, and a registry of checks by kind.

`classify_gold(normalized_gold)` returns the kind used for `kind="auto"`:

=========  ==================================================  ===========================================
kind       gold looks like                                     check
=========  ==================================================  ===========================================
choice     a single letter A-J, "(C)", "\\textbf{(C)}"          the answer's letter must match
numeric    an integer, decimal or fraction                     exact rational comparison, SymPy only if the
                                                               answer is an expression (`\\sqrt{16}` for 4)
text       words ("Monday", "yes")                             case-insensitive string match
symbolic   anything else                                       string match, then SymPy in a worker process
=========  ==================================================  ===========================================

A check is `check(completion, gold, timeout) -> Verdict`. Other verifiers plug in with `register_kind`, e.g. the
Lean verifier: `register_kind("lean", lean_check)`; a problem can then force it with `verify(..., kind="lean")`.

>>> classify_gold("(C)"), classify_gold("1,000"), classify_gold("Monday"), classify_gold(r"\\frac{\\pi}{2}")
('choice', 'numeric', 'text', 'symbolic')
"""

from __future__ import annotations

import re
from collections.abc import Callable

from verifiers.extraction import extract_answer
from verifiers.limits import check_text_budget
from verifiers.normalize import is_plain_text, normalize
from verifiers.numeric import parse_number
from verifiers.verdict import (
    CORRECT,
    GOLD_ERROR,
    INCORRECT,
    NO_ANSWER,
    TIMEOUT,
    UNPARSEABLE,
    CheckTimeout,
    Verdict,
    VerifierError,
)

__all__ = ["Check", "register_kind", "registered_kinds", "get_check", "classify_gold", "judge_texts"]

Check = Callable[[str, str, float], Verdict]
_DEGREES = re.compile(r"\\circ|°|\\degree|\bdegrees?\b")
_PERCENT = re.compile(r"%|\\text\{\s*percent|\bpercent\b")
_CHOICE = re.compile(r"^\(?([A-J])\)?(?:$|[.:)]|\s)")


def classify_gold(gold: str) -> str:
    """The check kind for a gold answer (see the table in the module docstring)."""
    norm = normalize(gold)
    if re.fullmatch(r"\(?[A-J]\)?", norm):
        return "choice"
    if parse_number(norm) is not None:
        return "numeric"
    if is_plain_text(norm):
        return "text"
    return "symbolic"


def _verdict(status: str, method: str, extracted: str | None, gold: str | None, detail: str) -> Verdict:
    return Verdict(status == CORRECT, status, method, extracted, gold, detail)


def judge_texts(answer: str, gold: str, timeout: float) -> tuple[str, str, str]:
    """(status, method, detail) for normalised answer text against normalised gold text (string, numeric, then
    symbolic in the worker pool). The fast path touches neither SymPy nor a process."""
    if answer == gold:
        return CORRECT, "string", "identical after normalisation"
    g, a = parse_number(gold), parse_number(answer)
    if g is not None and a is not None:
        if g.value == a.value:
            return CORRECT, "numeric", "exact rational comparison"
        return INCORRECT, "numeric", f"{a.value} != {g.value} (exact)"
    try:
        check_text_budget(gold)
    except VerifierError as error:
        return GOLD_ERROR, "symbolic", f"gold: {error}"
    try:
        check_text_budget(answer)
    except VerifierError as error:
        return UNPARSEABLE, "symbolic", str(error)
    from verifiers.pool import get_pool

    try:
        status, detail = get_pool().run("verifiers.symbolic:judge", (gold, answer), timeout)
    except CheckTimeout as error:
        return TIMEOUT, "symbolic", str(error)
    except VerifierError as error:  # worker died (memory cap) or an unexpected failure inside the check
        return UNPARSEABLE, "symbolic", f"check failed: {error}"
    return status, "symbolic", detail


def _extracted(completion: str, gold: str, method: str) -> tuple[str | None, str, Verdict | None, str]:
    """Shared first phase: normalise the gold, extract and normalise the answer; a verdict if that decides.
    Returns (normalised answer, normalised gold, deciding verdict or None, raw answer text)."""
    gold_norm = normalize(gold)
    if not gold_norm:
        return None, gold_norm, _verdict(GOLD_ERROR, method, None, gold_norm, "empty gold answer"), ""
    extraction = extract_answer(completion)
    if extraction is None:
        verdict = _verdict(NO_ANSWER, method, None, gold_norm, "no final answer in the completion")
        return None, gold_norm, verdict, ""
    return normalize(extraction.text), gold_norm, None, extraction.text


def _percent_match(answer_raw: str, answer: str, gold_raw: str, gold: str) -> bool:
    """An explicit % on exactly one side lets it also read as x/100 (25% = 0.25). Without a % sign nothing is rescaled,
    so 25 never matches 0.25 (the x100 false positives of Qwen2.5-Math's grader)."""
    a, g = parse_number(answer), parse_number(gold)
    a_percent, g_percent = bool(_PERCENT.search(answer_raw)), bool(_PERCENT.search(gold_raw))
    if a is None or g is None or a_percent == g_percent:  # both sides on the same scale: nothing to reread
        return False
    return a.value / 100 == g.value if a_percent else g.value / 100 == a.value


def _math_check(completion: str, gold: str, timeout: float) -> Verdict:
    answer, gold_norm, decided, raw = _extracted(completion, gold, "string")
    if decided:
        return decided
    if not answer:
        return _verdict(NO_ANSWER, "string", answer, gold_norm, "the extracted answer is empty")
    status, method, detail = judge_texts(answer, gold_norm, timeout)
    if status == INCORRECT and method == "numeric" and _percent_match(raw, answer, gold, gold_norm):
        return _verdict(CORRECT, "numeric", answer, gold_norm, "equal reading the explicit x% as x/100")
    if status == INCORRECT and _DEGREES.search(gold) and not _DEGREES.search(raw) and "\\pi" in answer:
        # the gold is in degrees and the answer in radians (60^\circ vs \frac{\pi}{3})
        status2, _, _ = judge_texts(f"({answer})\\cdot\\frac{{180}}{{\\pi}}", gold_norm, timeout)
        if status2 == CORRECT:
            return _verdict(CORRECT, "symbolic", answer, gold_norm, "equal after converting radians to degrees")
    return _verdict(status, method, answer, gold_norm, detail)


def _choice_check(completion: str, gold: str, timeout: float) -> Verdict:
    answer, gold_norm, decided, _ = _extracted(completion, gold, "choice")
    if decided:
        return decided
    g = _CHOICE.match(gold_norm)
    if g is None:
        return _verdict(GOLD_ERROR, "choice", answer, gold_norm, "gold is not a choice letter")
    letter = _answer_letter(answer or "")
    if letter is None:
        return _verdict(UNPARSEABLE, "choice", answer, gold_norm, "no choice letter in the answer")
    status = CORRECT if letter == g.group(1) else INCORRECT
    return _verdict(status, "choice", answer, gold_norm, f"letter {letter} vs {g.group(1)}")


def _answer_letter(answer: str) -> str | None:
    """The option letter of an answer: "(C)", "C) 12", "c", "Option C"; None when absent or hedged ("A or B")."""
    letters = set(re.findall(r"(?<![A-Za-z\\])([A-J])(?![A-Za-z])", answer))
    if len(letters) > 1:
        return None
    m = _CHOICE.match(answer.upper() if len(answer) <= 3 else answer)
    if m:
        return m.group(1)
    return letters.pop() if letters else None


def _text_check(completion: str, gold: str, timeout: float) -> Verdict:
    answer, gold_norm, decided, _ = _extracted(completion, gold, "string")
    if decided:
        return decided

    def key(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    status = CORRECT if answer is not None and key(answer) == key(gold_norm) else INCORRECT
    return _verdict(status, "string", answer, gold_norm, "case-insensitive word match")


_REGISTRY: dict[str, Check] = {
    "choice": _choice_check,
    "numeric": _math_check,
    "symbolic": _math_check,
    "text": _text_check,
}


def register_kind(name: str, check: Check, *, replace: bool = False) -> None:
    """Make `verify(..., kind=name)` use `check(completion, gold, timeout) -> Verdict`."""
    if name in _REGISTRY and not replace:
        raise ValueError(f"verifier kind {name!r} is already registered; pass replace=True to override it")
    if name == "auto":
        raise ValueError("'auto' is reserved for routing by the gold's shape")
    _REGISTRY[name] = check


def registered_kinds() -> tuple[str, ...]:
    """Every kind `verify` accepts besides "auto"."""
    return tuple(sorted(_REGISTRY))


def get_check(kind: str, gold: str) -> Check:
    """The check for `kind` ("auto" routes by the gold's shape); ValueError names the valid kinds."""
    if kind == "auto":
        kind = classify_gold(gold)
    try:
        return _REGISTRY[kind]
    except KeyError:
        known = ", ".join(("auto",) + registered_kinds())
        raise ValueError(f"unknown verifier kind {kind!r}; use one of: {known}") from None
