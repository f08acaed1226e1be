"""Named size and time budgets for untrusted answers, and `check_text_budget`, the cheap screen run before any
symbolic work.

Every limit here exists because model output is hostile: a completion can contain `9^{9^{9^9}}`, 500 nested
parentheses or `(x+1)^{100000}`. Exceeding a limit makes the answer `unparseable` (or the gold `gold_error`),
never a hang.
"""

from __future__ import annotations

import re

from verifiers.verdict import BudgetExceeded, ParseError

MAX_ANSWER_CHARS = 1000  # longer extracted answers are not parsed (a 2,000-term sum is rejected here)
MAX_NESTING_DEPTH = 40  # brackets/braces nested deeper than this are rejected before parsing
MAX_INTEGER_DIGITS = 5000  # integer literals and exact powers with more digits are rejected
MAX_NUMERIC_EXPONENT = 10_000  # |exponent| allowed on a numeric base (2^10000 has ~3000 digits)
MAX_SYMBOLIC_EXPONENT = 200  # |exponent| allowed on a symbolic base: bounds expansion work
MAX_FACTORIAL_ARGUMENT = 1000  # n! and binomials beyond this are rejected
MAX_TREE_NODES = 2000  # nodes in a parsed expression tree
MAX_PLUS_MINUS = 3  # \pm signs expanded into 2^n branches
MAX_SET_ELEMENTS = 50  # elements of a set/tuple/matrix compared pairwise (quadratic matching)
DEFAULT_TIMEOUT = 5.0  # seconds of wall-clock time per symbolic check
WORKER_MEMORY_BYTES = 2 * 1024**3  # address-space cap of each worker process (Linux), so a blow-up dies alone

# Function names and words that may appear as letters in a math answer; other runs of 4+ letters mean prose.
_KNOWN_WORDS = {
    "sqrt", "frac", "dfrac", "cdot", "times", "infty", "infinity", "sin", "cos", "tan", "sec", "csc", "cot",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "log", "exp", "begin", "end", "pmatrix", "bmatrix",
    "matrix", "vmatrix", "array", "cup", "cap", "emptyset", "varnothing", "mathbb", "quad", "text", "mathrm",
    "left", "right", "pm", "mp", "leq", "geq", "neq", "binom", "choose", "theta", "alpha", "beta", "gamma",
    "delta", "lambda", "omega", "sigma", "varphi", "phi", "epsilon", "overline", "circ", "prime", "ldots", "dots",
    "cdots", "vec", "hat", "tfrac", "over", "setminus", "lbrace", "rbrace", "langle", "rangle", "mathbf", "div",
}


def check_text_budget(text: str) -> None:
    """Raise `BudgetExceeded` if `text` is too long or too deeply nested to parse safely (cheap, no SymPy).

    >>> check_text_budget("(" * 100 + "1" + ")" * 100)
    Traceback (most recent call last):
    ...
    verifiers.verdict.BudgetExceeded: nesting deeper than 40
    """
    if len(text) > MAX_ANSWER_CHARS:
        raise BudgetExceeded(f"answer longer than {MAX_ANSWER_CHARS} characters")
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise BudgetExceeded(f"nesting deeper than {MAX_NESTING_DEPTH}")
        elif ch in ")]}":
            depth -= 1
    for word in re.findall(r"[A-Za-z]{4,}", re.sub(r"\\[A-Za-z]+", " ", text)):
        if word.lower() not in _KNOWN_WORDS:
            raise ParseError(f"prose, not math: {word!r}")
    if "__" in text or "import" in text or "lambda" in text.replace("\\lambda", ""):
        raise ParseError("looks like code, not math")
