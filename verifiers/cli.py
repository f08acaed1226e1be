"""`reasoning verify`: judge one completion, or every row of a JSONL file.

    reasoning verify 'The answer is \\boxed{1/2}' --gold 0.5 [--json]
    reasoning verify --file IN.jsonl [--response-field response] [--gold-field gold] [--out OUT.jsonl] [--workers N]

Exit codes: single mode 0 if correct, 1 if not; file mode 0 when every row was judged; 2 on a usage error (one
line on stderr). File mode appends a `verdict` object (the `Verdict` fields) to each row and prints the accuracy
and a count per status. Importing this module is cheap (argparse only); the verifier loads when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

__all__ = ["add_parser", "run", "VerifyUsageError"]


class VerifyUsageError(Exception):
    """A bad argument combination or input file; the message says how to fix it."""


def add_parser(subparsers) -> None:
    """Register the `verify` subcommand on an argparse subparsers object."""
    parser = subparsers.add_parser(
        "verify",
        help="judge a completion (or a JSONL file of them) against gold answers",
        description="Extract the final answer from a completion and judge it against the gold answer.",
    )
    parser.add_argument("completion", nargs="?", help="the model completion to judge ('-' reads stdin)")
    parser.add_argument("--gold", help="the gold answer (single-completion mode)")
    parser.add_argument("--json", action="store_true", help="print the verdict as a JSON object")
    parser.add_argument("--file", help="JSONL file with one completion and gold per row")
    parser.add_argument("--response-field", default="response", help="row field holding the completion")
    parser.add_argument("--gold-field", default="gold", help="row field holding the gold answer")
    parser.add_argument("--out", help="write the rows with a `verdict` field appended to this JSONL file")
    parser.add_argument("--workers", type=int, default=None, help="symbolic worker processes (default: CPUs, max 4)")
    parser.add_argument("--kind", default="auto", help="force a check kind (auto, numeric, symbolic, choice, text)")
    parser.add_argument("--timeout", type=float, default=5.0, help="wall-clock seconds per symbolic check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Handle `reasoning verify`; returns the exit code (usage errors print one line and return 2)."""
    try:
        return _file_mode(args) if args.file else _single_mode(args)
    except VerifyUsageError as error:
        print(f"reasoning verify: error: {error}", file=sys.stderr)
        return 2


def _check_common(args: argparse.Namespace) -> None:
    if args.timeout <= 0:
        raise VerifyUsageError(f"--timeout must be positive, got {args.timeout}")
    if args.workers is not None and args.workers < 1:
        raise VerifyUsageError(f"--workers must be at least 1, got {args.workers}")
    from verifiers.routing import registered_kinds

    if args.kind != "auto" and args.kind not in registered_kinds():
        raise VerifyUsageError(f"unknown --kind {args.kind!r}; use auto or one of {', '.join(registered_kinds())}")


def _single_mode(args: argparse.Namespace) -> int:
    if args.completion is None:
        raise VerifyUsageError("give a COMPLETION and --gold, or --file IN.jsonl")
    if args.gold is None:
        raise VerifyUsageError("--gold is required when judging a single completion")
    if args.out:
        raise VerifyUsageError("--out only applies with --file")
    _check_common(args)
    from verifiers.api import verify

    completion = sys.stdin.read() if args.completion == "-" else args.completion
    verdict = verify(completion, args.gold, kind=args.kind, timeout=args.timeout)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        print(f"{verdict.status} ({verdict.method}): extracted={verdict.extracted!r} gold={verdict.gold_normalized!r}"
              f" {verdict.detail}")
    return 0 if verdict.correct else 1


def _read_rows(path: str, response_field: str, gold_field: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:  # FileNotFoundError is reported by the CLI as one line
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise VerifyUsageError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise VerifyUsageError(f"{path}:{number}: each line must be a JSON object")
            for field in (response_field, gold_field):
                if field not in row:
                    raise VerifyUsageError(f"{path}:{number}: no field {field!r}; choose one with "
                                           f"--response-field/--gold-field")
            rows.append(row)
    return rows


def _file_mode(args: argparse.Namespace) -> int:
    if args.completion is not None or args.gold is not None:
        raise VerifyUsageError("--file reads completions and golds from the file; drop COMPLETION and --gold")
    _check_common(args)
    try:
        rows = _read_rows(args.file, args.response_field, args.gold_field)
    except FileNotFoundError:
        raise VerifyUsageError(f"no such file: {args.file}") from None
    from verifiers.api import verify_batch

    pairs = [(str(r[args.response_field]), str(r[args.gold_field])) for r in rows]
    verdicts = verify_batch(pairs, workers=args.workers, timeout=args.timeout, kind=args.kind)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            for row, verdict in zip(rows, verdicts):
                handle.write(json.dumps({**row, "verdict": verdict.to_dict()}, ensure_ascii=False) + "\n")
    counts = Counter(v.status for v in verdicts)
    correct = counts.get("correct", 0)
    accuracy = correct / len(verdicts) if verdicts else 0.0
    summary = {"rows": len(verdicts), "accuracy": round(accuracy, 4), "statuses": dict(sorted(counts.items()))}
    print(json.dumps(summary) if args.json else
          f"{len(verdicts)} rows, accuracy {accuracy:.2%} ({correct}/{len(verdicts)}); " +
          ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return 0
