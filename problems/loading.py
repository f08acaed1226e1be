"""Load problem sets from files (JSONL, JSON, CSV, Parquet) or by bundled name, recognising common schemas.

Recognised without flags:
- GSM8K: `question` + `answer`, where the answer is a worked solution ending in `#### 72`; the gold is the text
  after `####` with thousands separators removed and the worked solution is kept as `solution`.
- MATH / MATH-500: `problem` + `solution` containing `\\boxed{...}`, optional `answer`, `level`, `subject`.
- AIME-style and generic: `problem` or `question` + `answer`.
Other schemas: pass `question_field` / `answer_field` / `id_field`.

Bad input is never dropped silently: a malformed line or a row without a question or answer raises
`ProblemLoadError` naming `file:line`, or, with `skip_bad=True`, is skipped and reported in `LoadReport.skipped`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from problems.problem import Problem

BUNDLED_DIR = Path(__file__).parent / "data"
_QUESTION_FIELDS = ("question", "problem", "prompt", "input")
_ANSWER_FIELDS = ("answer", "final_answer", "gold", "target")
_ID_FIELDS = ("id", "unique_id", "problem_id", "idx", "ID")
_GSM8K_MARK = re.compile(r"####\s*(.+?)\s*$", re.DOTALL)


class ProblemLoadError(ValueError):
    """A problem file (or one of its rows) cannot be read; the message names `file:line`."""


@dataclass
class LoadReport:
    problems: list[Problem]
    skipped: list[str] = field(default_factory=list)  # one message per skipped row, each naming file:line


def bundled_names() -> list[str]:
    """Names accepted in place of a path, e.g. `arith-test`."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.jsonl"))


def resolve_source(source: str | Path) -> Path:
    path = Path(source)
    if path.exists():
        return path
    bundled = BUNDLED_DIR / f"{source}.jsonl"
    if bundled.exists():
        return bundled
    names = ", ".join(bundled_names())
    raise ProblemLoadError(f"{source}: no such file, and not a bundled problem set (bundled: {names})")


def load(
    source: str | Path,
    *,
    question_field: str | None = None,
    answer_field: str | None = None,
    id_field: str | None = None,
    skip_bad: bool = False,
    limit: int | None = None,
) -> list[Problem]:
    """Problems from a file path or bundled name; see the module docstring for formats and errors.

    >>> len(load("arith-test")), load("arith-test", limit=1)[0].meta["task"]
    (240, 'add')
    """
    return load_with_report(
        source,
        question_field=question_field,
        answer_field=answer_field,
        id_field=id_field,
        skip_bad=skip_bad,
        limit=limit,
    ).problems


def load_with_report(
    source: str | Path,
    *,
    question_field: str | None = None,
    answer_field: str | None = None,
    id_field: str | None = None,
    skip_bad: bool = False,
    limit: int | None = None,
) -> LoadReport:
    """Like `load`, also returning the messages of rows skipped with `skip_bad=True`."""
    path = resolve_source(source)
    report = LoadReport(problems=[])
    rows = _read_rows(path, report, skip_bad)
    seen: set[str] = set()
    for line, row in rows:
        try:
            problem = _to_problem(row, path, line, question_field, answer_field, id_field)
            if problem.id in seen:
                raise ProblemLoadError(f"{path}:{line}: duplicate problem id {problem.id!r}")
        except ProblemLoadError as error:
            if not skip_bad:
                raise
            report.skipped.append(str(error))
            continue
        seen.add(problem.id)
        report.problems.append(problem)
        if limit is not None and len(report.problems) >= limit:
            break
    return report


# --- reading files into (line number, row dict) pairs -------------------------------------------------------------


def _read_rows(path: Path, report: LoadReport, skip_bad: bool) -> list[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            return _read_jsonl(path, report, skip_bad)
        if suffix == ".json":
            return _read_json(path)
        if suffix == ".csv":
            # Header is line 1, so data row i sits on line i + 2 (for CSVs without multi-line cells).
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            return [(i + 2, row) for i, row in enumerate(frame.to_dict("records"))]
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            return [(i + 1, row) for i, row in enumerate(frame.to_dict("records"))]
    except (OSError, ValueError, pd.errors.ParserError) as error:
        if isinstance(error, ProblemLoadError):
            raise
        raise ProblemLoadError(f"{path}: cannot read as {suffix[1:]}: {_one_line(error)}") from error
    raise ProblemLoadError(f"{path}: unsupported file type {suffix!r}; use .jsonl, .json, .csv or .parquet")


def _read_jsonl(path: Path, report: LoadReport, skip_bad: bool) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line_number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
                if not isinstance(row, dict):
                    raise ValueError(f"expected a JSON object, got {type(row).__name__}")
            except ValueError as error:
                message = f"{path}:{line_number}: malformed JSON line: {_one_line(error)}"
                if not skip_bad:
                    raise ProblemLoadError(message) from error
                report.skipped.append(message)
                continue
            rows.append((line_number, row))
    return rows


def _read_json(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ProblemLoadError(f"{path}:{error.lineno}: malformed JSON: {error.msg}") from error
    if isinstance(data, dict):
        # Common wrappers: {"data": [...]}, {"problems": [...]}, or a column-oriented table.
        for key in ("data", "problems", "rows", "examples"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = pd.DataFrame(data).to_dict("records")
    if not isinstance(data, list):
        raise ProblemLoadError(f"{path}: expected a list of problem objects")
    # JSON arrays have no stable line per row; report the 1-based record number instead.
    return [(i + 1, row if isinstance(row, dict) else {"_bad": row}) for i, row in enumerate(data)]


# --- one row into a Problem ---------------------------------------------------------------------------------------


def _to_problem(
    row: dict[str, Any],
    path: Path,
    line: int,
    question_field: str | None,
    answer_field: str | None,
    id_field: str | None,
) -> Problem:
    where = f"{path}:{line}"
    if "_bad" in row:
        raise ProblemLoadError(f"{where}: expected a JSON object, got {type(row['_bad']).__name__}")
    question_key = _pick(row, question_field, _QUESTION_FIELDS, where, "question")
    question = _text(row.get(question_key))
    if not question:
        raise ProblemLoadError(f"{where}: empty question in field {question_key!r}")
    answer, solution = _gold(row, answer_field, where)
    id_key = id_field or next((k for k in _ID_FIELDS if _text(row.get(k))), None)
    if id_field and not _text(row.get(id_field)):
        raise ProblemLoadError(f"{where}: no id field {id_field!r}")
    problem_id = _text(row[id_key]) if id_key else f"{path.stem}-{line}"
    used = {question_key, id_key, "answer", "solution", "source", "meta", answer_field}
    meta = {k: _plain(v) for k, v in row.items() if k not in used}
    if isinstance(row.get("meta"), dict):
        meta.update(row["meta"])
    return Problem(
        id=problem_id,
        question=question,
        answer=answer,
        solution=solution,
        source=_text(row.get("source")) or path.stem,
        meta=meta,
    )


def _pick(row: dict[str, Any], explicit: str | None, candidates: tuple[str, ...], where: str, what: str) -> str:
    if explicit:
        if explicit not in row:
            raise ProblemLoadError(f"{where}: no {what} field {explicit!r} (fields: {', '.join(map(str, row))})")
        return explicit
    for key in candidates:
        if key in row:
            return key
    raise ProblemLoadError(
        f"{where}: no {what} field (looked for {', '.join(candidates)}; fields: {', '.join(map(str, row))}); "
        f"name it with --{what}-field"
    )


def _gold(row: dict[str, Any], answer_field: str | None, where: str) -> tuple[str, str | None]:
    """The gold final answer and, where the source has one, the worked solution."""
    solution = _text(row.get("solution")) or None
    if answer_field:
        answer = _text(row.get(answer_field))
        if not answer:
            raise ProblemLoadError(f"{where}: empty or missing answer field {answer_field!r}")
        return answer, solution
    answer = next((_text(row.get(k)) for k in _ANSWER_FIELDS if _text(row.get(k))), "")
    gsm8k = _GSM8K_MARK.search(answer)
    if gsm8k:  # GSM8K: the "answer" is a worked solution ending in "#### 72".
        return gsm8k.group(1).replace(",", "").strip(), answer
    if answer:
        return answer, solution
    if solution:  # MATH without an answer column: the gold is the last \boxed{} of the solution.
        boxed = last_boxed(solution)
        if boxed:
            return boxed, solution
        raise ProblemLoadError(f"{where}: solution has no \\boxed{{}} answer and there is no answer field")
    raise ProblemLoadError(f"{where}: no answer (looked for {', '.join(_ANSWER_FIELDS)}, or a solution with \\boxed{{}})")


def last_boxed(text: str) -> str | None:
    """Content of the last complete `\\boxed{...}` (nested braces allowed).

    >>> last_boxed(r"so \\boxed{\\frac{1}{2}} and then \\boxed{3}")
    '3'
    >>> last_boxed(r"\\boxed{\\frac{1}{2}}") , last_boxed(r"\\boxed{open")
    ('\\\\frac{1}{2}', None)
    """
    from verifiers.extraction import find_braced  # the graders' brace matcher (skips escaped \{ \})

    start = text.rfind("\\boxed{")
    while start != -1:
        open_index = start + len("\\boxed")
        end = find_braced(text, open_index)
        if end is not None:
            return text[open_index + 1 : end - 1].strip()
        start = text.rfind("\\boxed{", 0, start)
    return None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _plain(value: Any) -> Any:
    """JSON-friendly meta values (numpy scalars from Parquet become Python ones)."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return str(value)
    return value


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
