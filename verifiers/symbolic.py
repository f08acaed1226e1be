"""Parse an answer into a SymPy object under budgets, and judge it against a gold answer.

Parsing is delegated to `latex2sympy2_extended` (pinned in pyproject; an ANTLR grammar that builds SymPy objects
without evaluating Python), wrapped so that:

* raw text never reaches `sympify`/`parse_expr`/`eval`; plain math (`sqrt(2)`, `x**2`, `pi`) is first rewritten
  into LaTeX by string substitution;
* size limits from `verifiers.limits` are checked on the text (length, nesting, words) and on the parsed tree
  (exponent towers, factorials, node count) *before* SymPy evaluates anything expensive;
* a parse must cover the whole answer: the grammar rejects trailing input, so `1-\\frac{1}{\\mathrm{e}}` is never
  read as `1`.

This module is imported by the worker processes of `verifiers.pool`; `judge` is the function they run. Calling it
in-process is fine for trusted input (tests), but hostile input belongs in the pool, which enforces wall-clock
limits.

>>> judge(r"\\frac{\\sqrt{2}}{2}", r"1/\\sqrt{2}")
('correct', 'symbolic: identical')
>>> judge("x^2-1", "(x-1)(x+1)")[0]
'correct'
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import sympy
from latex2sympy2_extended import latex2sympy
from latex2sympy2_extended.latex2sympy2 import ConversionConfig
from latex2sympy2_extended.math_normalization import NormalizationConfig

from verifiers.limits import (
    MAX_FACTORIAL_ARGUMENT,
    MAX_INTEGER_DIGITS,
    MAX_NUMERIC_EXPONENT,
    MAX_PLUS_MINUS,
    MAX_SYMBOLIC_EXPONENT,
    MAX_TREE_NODES,
    check_text_budget,
)
from verifiers.verdict import CORRECT, GOLD_ERROR, INCORRECT, UNPARSEABLE, BudgetExceeded, ParseError, VerifierError

__all__ = ["ParsedAnswer", "parse_answer", "judge", "clear_caches"]

_NORMALIZATION = NormalizationConfig(basic_latex=True, units=False, malformed_operators=True, nits=False, boxed="all")
_CONVERSION = ConversionConfig(interpret_as_mixed_fractions=True, interpret_simple_eq_as_assignment=False)

_UNICODE = {"×": r"\times ", "÷": r"\div ", "·": r"\cdot ", "π": r"\pi ", "∞": r"\infty ", "≤": r"\leq ",
            "≥": r"\geq ", "−": "-", "√": r"\sqrt ", "±": r"\pm ", "∪": r"\cup ", "∅": r"\emptyset "}
_PLAIN_NAMES = re.compile(r"(?<![\\a-zA-Z])(pi|infinity|inf|oo|sqrt|ln|log|sin|cos|tan|exp)(?![a-zA-Z])")
_DECIMAL = re.compile(r"(?<![\d.])(\d*)\.(\d+)")


@dataclass(frozen=True)
class ParsedAnswer:
    """A parsed answer: the SymPy object plus the decimal places written in the text (None if no decimals)."""

    value: Any
    decimal_places: int | None


def _plain_to_latex(text: str) -> str:
    """Rewrite plain-math spellings (`sqrt(2)`, `x**2`, `pi`) into LaTeX the grammar reads."""
    s = "".join(_UNICODE.get(ch, ch) for ch in text)
    s = s.replace("**", "^").replace("+-", r"\pm ")
    names = {"pi": r"\pi ", "infinity": r"\infty ", "inf": r"\infty ", "oo": r"\infty ", "sqrt": r"\sqrt",
             "ln": r"\ln", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp"}
    s = _PLAIN_NAMES.sub(lambda m: names[m.group(1)], s)
    # \sqrt(2) -> \sqrt{2}, respecting nested parentheses
    out, i = [], 0
    while (j := s.find(r"\sqrt(", i)) != -1:
        depth, k = 0, j + 5
        while k < len(s):
            depth += {"(": 1, ")": -1}.get(s[k], 0)
            if depth == 0:
                break
            k += 1
        if k >= len(s):
            break
        out.append(s[i:j] + r"\sqrt{" + s[j + 6 : k] + "}")
        i = k + 1
    out.append(s[i:])
    return "".join(out)


def _decimal_places(text: str) -> int | None:
    places = [len(m.group(2)) for m in _DECIMAL.finditer(text)]
    return max(places) if places else None


def _exact_decimals(text: str) -> str:
    r"""0.25 -> \frac{25}{100}: decimals become exact rationals instead of 15-digit floats."""
    return _DECIMAL.sub(lambda m: r"\frac{%s%s}{1%s}" % (m.group(1), m.group(2), "0" * len(m.group(2))), text)


def _log10_abs(x) -> float:
    value = complex(sympy.N(x, 15))
    return math.log10(abs(value)) if value else -math.inf


def _check_tree(expr) -> None:
    """Post-order budget walk: inner powers are bounded before an outer one is ever estimated."""
    stack, seen = [(expr, False)], 0
    while stack:
        node, children_done = stack.pop()
        if not children_done:
            seen += 1
            if seen > MAX_TREE_NODES:
                raise BudgetExceeded(f"expression has more than {MAX_TREE_NODES} nodes")
            stack.append((node, True))
            stack.extend((arg, False) for arg in getattr(node, "args", ()) if isinstance(arg, sympy.Basic))
            continue
        if isinstance(node, sympy.Integer) and node.p.bit_length() > 3.33 * MAX_INTEGER_DIGITS:
            raise BudgetExceeded(f"integer with more than {MAX_INTEGER_DIGITS} digits")
        if isinstance(node, sympy.Pow):
            _check_power(node.base, node.exp)
        elif isinstance(node, (sympy.factorial, sympy.binomial, sympy.factorial2)):
            n = node.args[0]
            if n.is_number and abs(_log10_abs(n)) > math.log10(MAX_FACTORIAL_ARGUMENT):
                raise BudgetExceeded(f"factorial argument above {MAX_FACTORIAL_ARGUMENT}")


def _check_power(base, exp) -> None:
    if not exp.is_number:
        return
    log_exp = _log10_abs(exp)
    if base.free_symbols:
        if log_exp > math.log10(MAX_SYMBOLIC_EXPONENT):
            raise BudgetExceeded(f"exponent above {MAX_SYMBOLIC_EXPONENT} on a symbolic base")
        return
    if not base.is_number:
        return
    log_base = _log10_abs(base)
    if log_exp > math.log10(MAX_NUMERIC_EXPONENT) and abs(log_base) > 1e-12:
        raise BudgetExceeded(f"exponent above {MAX_NUMERIC_EXPONENT}")
    if abs(log_base) * 10**log_exp > MAX_INTEGER_DIGITS:
        raise BudgetExceeded(f"power with more than {MAX_INTEGER_DIGITS} digits")


@functools.lru_cache(maxsize=2048)  # RL groups share a gold and repeat answers; parsed objects are immutable
def parse_answer(text: str) -> ParsedAnswer:
    """Parse normalised answer text into a SymPy object, enforcing every budget; raises `ParseError`.

    `\\pm`/`\\mp` anywhere (`\\frac{-1 \\pm \\sqrt{5}}{2}`) make a set of both branches.
    """
    check_text_budget(text)
    latex = _plain_to_latex(text)
    places = _decimal_places(latex)
    signs = len(re.findall(r"\\(?:pm|mp)(?![a-zA-Z])", latex))
    if signs:
        if signs > MAX_PLUS_MINUS:
            raise BudgetExceeded(f"more than {MAX_PLUS_MINUS} plus-minus signs")
        branches = [_branch(latex, choice) for choice in itertools.product("+-", repeat=signs)]
        values = [_parse_latex(b, text) for b in branches]
        return ParsedAnswer(sympy.FiniteSet(*values), places)
    return ParsedAnswer(_parse_latex(latex, text), places)


def clear_caches() -> None:
    """Forget cached parses (benchmarks call this in each worker so repeated timing runs stay honest)."""
    parse_answer.cache_clear()


def _branch(latex: str, choice: tuple[str, ...]) -> str:
    signs = iter(choice)

    def pick(m: re.Match) -> str:
        sign = next(signs)
        return sign if m.group(0).startswith("\\pm") else ("-" if sign == "+" else "+")

    return re.sub(r"\\(?:pm|mp)(?![a-zA-Z])", pick, latex)


def _parse_latex(latex: str, text: str):
    try:
        value = latex2sympy(_exact_decimals(latex), normalization_config=_NORMALIZATION,
                            conversion_config=_CONVERSION)
    except VerifierError:
        raise
    except Exception as error:  # the grammar raises bare Exception subclasses; this is the parse boundary
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ParseError(f"cannot parse {text[:60]!r}: {message[:120]}") from None
    if value is None:
        raise ParseError(f"cannot parse {text[:60]!r}")
    _check_tree(value)
    if isinstance(value, sympy.Basic):
        value = value.doit()  # unevaluated 5!, sin(pi/6), binomials: safe now that the tree is within budget
    # `i` written as a variable is the imaginary unit in answers (3+2i); same rule on both sides.
    if isinstance(value, sympy.Basic) and sympy.Symbol("i") in value.free_symbols:
        value = value.xreplace({sympy.Symbol("i"): sympy.I})
    return value


def judge(gold_text: str, answer_text: str) -> tuple[str, str]:
    """(status, detail) for a normalised answer against a normalised gold; runs inside a pool worker.

    The gold is parsed first so a broken gold is reported as `gold_error`, never as the model's fault.
    """
    from verifiers.compare import equivalent  # local: keeps this module's import cost to the parser

    try:
        gold = parse_answer(gold_text)
    except VerifierError as error:
        return GOLD_ERROR, f"gold: {error}"
    try:
        answer = parse_answer(answer_text)
    except VerifierError as error:
        return UNPARSEABLE, str(error)
    try:
        equal, detail = equivalent(gold, answer)
    except VerifierError as error:
        return UNPARSEABLE, str(error)
    except (TypeError, ValueError, AttributeError, NotImplementedError, RecursionError) as error:
        return INCORRECT, f"not comparable: {type(error).__name__}: {str(error)[:100]}"
    return (CORRECT if equal else INCORRECT), detail
