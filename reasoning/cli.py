"""The `reasoning` command line: one argparse parser, one subcommand per job.

Each subcommand lives next to the code it drives and exposes `add_parser(subparsers)`, which registers its flags
and sets `func(args) -> int` as the handler. Modules registered here must stay cheap to import (no torch at import
time) so that `reasoning verify` or `reasoning --help` start fast.

Errors: handlers raise typed exceptions; `main` turns the user-facing ones into a single line on stderr and exit
code 2, so bad input never ends in a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from problems.loading import ProblemLoadError

# Subcommand modules, in the order `reasoning --help` lists them.
_SUBCOMMANDS = (
    "reasoning.solve_cli",
    "reasoning.model_cli",
    "reasoning.serve_cli",
    "verifiers.cli",
    "reasoning.ineq.cli",
)


class UsageError(Exception):
    """A bad flag combination or argument; the message says how to fix it."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is meant for the user as-is (no traceback)."""
    from reasoning.backends.base import BackendError
    from reasoning.config import ConfigError
    from reasoning.runs import RunError

    return (UsageError, ProblemLoadError, ConfigError, RunError, BackendError, FileNotFoundError)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="reasoning",
        description="Math reasoning and verification workbench.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in _SUBCOMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            # A subcommand whose package part is not installed yet must not break the others.
            if error.name and module_name.startswith(error.name):
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except user_errors() as error:
        print(f"reasoning {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"reasoning {args.command}: interrupted; finished work is saved.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
