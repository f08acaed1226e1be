"""The inequality problem record (one JSONL line) and its parsed SymPy form.

>>> p = Problem.from_dict({"id": "t", "vars": ["a", "b"], "domain": "positive", "goal": "a^2 + b^2 >= 2*a*b"})
>>> parsed = p.parse()
>>> parsed.goal_op, parsed.lhs
('>=', a**2 + b**2)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from reasoning.ineq.parse import ParseError, parse_relation, with_roots_held

DOMAINS = ("positive", "nonnegative", "real")
TIERS = ("easy", "medium", "hard")
MAX_VARS = 8
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_RESERVED = {"sqrt", "cbrt"}


def make_symbol(name: str, domain: str) -> sp.Symbol:
    """The SymPy symbol for a variable of `domain` ('positive', 'nonnegative' or 'real')."""
    if domain == "positive":
        return sp.Symbol(name, positive=True)
    if domain == "nonnegative":
        return sp.Symbol(name, nonnegative=True)
    return sp.Symbol(name, real=True)


class ProblemError(ParseError):
    """A problem record is malformed; the message names the field (and file:line when loading)."""


@dataclass(frozen=True)
class Problem:
    """One inequality: for all `vars` in `domain` satisfying `constraints`, `goal` holds."""

    id: str
    vars: tuple[str, ...]
    domain: str
    goal: str
    constraints: tuple[str, ...] = ()
    source: str = ""
    tier: str = ""
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ProblemError(f"domain must be one of {DOMAINS}, got {self.domain!r}")
        if not 1 <= len(self.vars) <= MAX_VARS or len(set(self.vars)) != len(self.vars):
            raise ProblemError(f"vars must be 1..{MAX_VARS} distinct names, got {list(self.vars)}")
        for name in self.vars:
            if not _NAME.match(name) or name in _RESERVED:
                raise ProblemError(f"bad variable name {name!r}")
        if self.tier and self.tier not in TIERS:
            raise ProblemError(f"tier must be one of {TIERS}, got {self.tier!r}")

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        try:
            return cls(
                id=str(data["id"]),
                vars=tuple(data["vars"]),
                domain=data.get("domain", "positive"),
                goal=str(data["goal"]),
                constraints=tuple(data.get("constraints", ())),
                source=str(data.get("source", "")),
                tier=str(data.get("tier", "")),
                tags=tuple(data.get("tags", ())),
            )
        except (KeyError, TypeError) as error:
            raise ProblemError(f"problem record needs id, vars, goal: {error}") from None

    def to_dict(self) -> dict:
        return {
            "id": self.id, "vars": list(self.vars), "domain": self.domain, "constraints": list(self.constraints),
            "goal": self.goal, "source": self.source, "tier": self.tier, "tags": list(self.tags),
        }

    def symbol_map(self) -> dict[str, sp.Symbol]:
        """Variable symbols carrying the domain as a SymPy assumption (so sqrt(x**2) = x for x >= 0)."""
        return {name: make_symbol(name, self.domain) for name in self.vars}

    def parse(self) -> ParsedProblem:
        names = self.symbol_map()
        lhs, op, rhs = parse_relation(self.goal, names)
        if op == "=":
            raise ProblemError(f"{self.id}: goal must be an inequality, got '='")
        equalities, inequalities = [], []
        for text in self.constraints:
            left, cop, right = parse_relation(text, names)
            if cop == "=":
                equalities.append(with_roots_held(sp.expand, left - right))
            elif cop in (">=", ">"):
                inequalities.append((left - right, cop == ">"))
            else:
                inequalities.append((right - left, cop == "<"))
        symbols = tuple(names[name] for name in self.vars)
        return ParsedProblem(self, symbols, lhs, op, rhs, tuple(equalities), tuple(inequalities))


@dataclass(frozen=True)
class ParsedProblem:
    """SymPy form: goal `lhs op rhs`; `equalities` are expressions `= 0`; `inequalities` are (g, strict): g >= 0."""

    problem: Problem
    symbols: tuple[sp.Symbol, ...]
    lhs: sp.Expr
    goal_op: str
    rhs: sp.Expr
    equalities: tuple[sp.Expr, ...] = field(default=())
    inequalities: tuple[tuple[sp.Expr, bool], ...] = field(default=())

    @property
    def goal_expr(self) -> sp.Expr:
        """f with the goal equivalent to f >= 0 (or f > 0 when strict)."""
        return self.lhs - self.rhs if self.goal_op in (">=", ">") else self.rhs - self.lhs

    @property
    def strict(self) -> bool:
        return self.goal_op in (">", "<")


def parse_problem(data: dict | str) -> ParsedProblem:
    """Parse a problem record (dict or JSON text) into its SymPy form."""
    if isinstance(data, str):
        data = json.loads(data)
    return Problem.from_dict(data).parse()


def load_problems(path: str | Path) -> list[Problem]:
    """Read a JSONL file of problems; errors name `file:line`."""
    problems, seen = [], set()
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            problem = Problem.from_dict(json.loads(line))
            problem.parse()
        except (json.JSONDecodeError, ParseError) as error:
            raise ProblemError(f"{path}:{number}: {error}") from None
        if problem.id in seen:
            raise ProblemError(f"{path}:{number}: duplicate id {problem.id!r}")
        seen.add(problem.id)
        problems.append(problem)
    return problems


def bundled_path() -> Path:
    """The bundled dataset file."""
    return Path(__file__).resolve().parents[2] / "problems" / "inequalities" / "olympiad.jsonl"
