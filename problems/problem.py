"""The `Problem` record every loader produces and every engine consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One problem: a question and its gold final answer (as text, judged later by `verifiers`).

    `meta` holds whatever else the source carried (level, subject, task, ...); it is kept through runs so results
    can be broken down by it.
    """

    id: str
    question: str
    answer: str
    solution: str | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> "Problem":
        return cls(
            id=str(row["id"]),
            question=str(row["question"]),
            answer=str(row["answer"]),
            solution=row.get("solution"),
            source=str(row.get("source") or ""),
            meta=dict(row.get("meta") or {}),
        )
