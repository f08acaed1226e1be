"""Result types shared by every check: `Extraction`, `Verdict`, the status vocabulary and typed errors.

A verdict is never a bare bool: it says *why* (status), *which check decided* (method), and what was compared
(`extracted`, `gold_normalized`), so a run log can be audited sample by sample.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

CORRECT = "correct"
INCORRECT = "incorrect"
NO_ANSWER = "no_answer"  # nothing in the completion looked like a final answer
UNPARSEABLE = "unparseable"  # an answer was found but could not be understood (or exceeded a size budget)
TIMEOUT = "timeout"  # the check ran past its wall-clock limit; says nothing about the answer
GOLD_ERROR = "gold_error"  # the reference answer itself could not be understood: never the model's fault
STATUSES = (CORRECT, INCORRECT, NO_ANSWER, UNPARSEABLE, TIMEOUT, GOLD_ERROR)


@dataclass(frozen=True)
class Extraction:
    """A final answer found in a completion.

    `text` is the raw answer text (e.g. the inside of `\\boxed{}`), `span` its `(start, end)` character offsets in
    the completion (`completion[start:end] == text`), `method` the rule that found it (see `extract_answer`).
    """

    text: str
    span: tuple[int, int]
    method: str


@dataclass(frozen=True)
class Verdict:
    """The judgement of one completion against one gold answer.

    >>> v = Verdict(True, "correct", "numeric", "0.5", "1/2", "exact rational comparison")
    >>> v.to_dict()["status"]
    'correct'
    """

    correct: bool
    status: str
    method: str
    extracted: str | None
    gold_normalized: str | None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown verdict status {self.status!r}; use one of {', '.join(STATUSES)}")
        if self.correct != (self.status == CORRECT):
            raise ValueError("Verdict.correct must be True exactly when status == 'correct'")

    def to_dict(self) -> dict:
        """The fields as a JSON-serialisable dict (one column of a run's samples file)."""
        return asdict(self)


class VerifierError(Exception):
    """Base class for errors raised inside the verifier; `verify` turns them into a verdict status."""


class ParseError(VerifierError):
    """Text could not be turned into a mathematical object (syntax, partial parse, unsupported construct)."""


class BudgetExceeded(ParseError):
    """Text or the parsed object exceeds a named size limit in `verifiers.limits`."""


class CheckTimeout(VerifierError):
    """A check ran past its wall-clock limit (its worker process was killed and replaced)."""
