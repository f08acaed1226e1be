"""Safe parser for inequality statements: tokenize, recursive descent, SymPy objects.

No Python is ever evaluated: the grammar knows numbers, the declared variable names, `+ - * / ^ **`, parentheses and
a whitelist of functions (`sqrt`, `cbrt`). Anything else raises `ParseError` naming the offending position.

>>> from sympy import symbols
>>> a, b = symbols("a b")
>>> parse_math("a^2 + 1/2*b", ["a", "b"])
a**2 + b/2
>>> parse_relation("sqrt(a) >= b", ["a", "b"])
(sqrt(a), '>=', b)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import sympy as sp

MAX_TEXT_LENGTH = 4000  # characters; statements are short, longer text is hostile or a mistake
MAX_DEPTH = 60  # nesting depth of parentheses / unary operators
MAX_EXPONENT = 64  # |integer exponent| allowed in `x^n`, so `2^2^2^2^2` cannot blow up

RELATIONS = (">=", "<=", ">", "<", "=")
_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|([A-Za-z_][A-Za-z_0-9]*)|(\*\*|>=|<=|==|[-+*/^(),<>=]))")
_ROOTS = {"sqrt": sp.Rational(1, 2), "cbrt": sp.Rational(1, 3)}
MAX_NUMBER_BITS = 20000  # of a numerator or denominator a power evaluates to: ((2^64)^64)^64 would need 32 KiB


class ParseError(ValueError):
    """The text is not a statement this grammar accepts; the message names the position."""


def with_roots_held(fn, expr: sp.Expr):
    """fn(expr) (expand, together, cancel, ...) with every outermost root (non-integer power) held as an opaque
    symbol and put back after: algebra must not regroup a radicand into a product that SymPy then splits, as
    ((x + 1)^2 - 2x - 1)*y under a root would become x^2*y and then |x|*sqrt(y), undefined for y < 0 at x = 0.
    A result may be a tuple of expressions (sp.fraction)."""
    held: dict[sp.Expr, sp.Dummy] = {}

    def hide(e: sp.Expr) -> sp.Expr:
        if e.is_Pow and not e.exp.is_Integer:
            return held.setdefault(e, sp.Dummy())
        if not e.args:
            return e
        return e.func(*(hide(a) for a in e.args))

    hidden = hide(expr)
    if not held:
        return fn(expr)
    back = {d: root for root, d in held.items()}
    result = fn(hidden)
    return tuple(r.xreplace(back) for r in result) if isinstance(result, tuple) else result.xreplace(back)


def checked_power(base: sp.Expr, exponent: sp.Rational, where: str, error: type[Exception]) -> sp.Expr:
    """base**exponent as SymPy evaluates it, refused (raising `error`) where that evaluation would change what the
    expression says or cost too much:
    - a root of a negative number, or any non-real result (sqrt(-1) is I, sqrt(-x) is I*sqrt(x));
    - a root of a product with a factor that may be 0 (nonnegative, not positive) and a factor of unknown sign:
      SymPy splits sqrt(x*(y - 1)) into sqrt(x)*sqrt(y - 1) for x >= 0, undefined at x = 0, y < 1 where the
      original is 0 (and a goal is claimed only where defined);
    - integer exponents that fold past MAX_EXPONENT ((x^64*y)^64 is x^4096*y^64) and numbers past MAX_NUMBER_BITS."""
    if not exponent.is_Integer:
        if base.is_number and base.is_negative:
            raise error(f"{where}: root of a negative number")
        if base.is_Mul and base.is_nonnegative is not True and \
                any(f.is_nonnegative and not f.is_positive for f in base.args):
            raise error(f"{where}: root of a product with a factor that may be 0 and one of unknown sign; "
                        f"write it as a product of roots or with positive variables")
    value = sp.Pow(base, exponent)
    if value.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise error(f"{where}: not a real number")
    for node in sp.preorder_traversal(value):
        if node.is_Pow and not node.exp.is_Integer and node.base.is_number and node.base.is_negative:
            raise error(f"{where}: root of a negative number")  # cbrt(-x) is (-1)^(1/3)*x^(1/3)
        if node.is_Pow and node.exp.is_Integer and abs(node.exp) > MAX_EXPONENT:
            raise error(f"{where}: powers fold past exponent {MAX_EXPONENT}")
        if node.is_Rational and max(abs(node.p), node.q).bit_length() > MAX_NUMBER_BITS:
            raise error(f"{where}: a number of more than {MAX_NUMBER_BITS} bits")
    return value


_TRAILING_SPACE = re.compile(r"\s*\Z")


def _tokenize(text: str, max_length: int = MAX_TEXT_LENGTH) -> list[tuple[str, str, int]]:
    if len(text) > max_length:
        raise ParseError(f"text longer than {max_length} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if _TRAILING_SPACE.match(text, pos):  # not text[pos:].strip(): a copy per token is quadratic in long text
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise ParseError(f"unexpected character {text[pos:].lstrip()[:1]!r} at column {pos + 1}")
        kind = "num" if match.group(1) else "name" if match.group(2) else "op"
        value = match.group(1) or match.group(2) or match.group(3)
        tokens.append((kind, "==" if value == "=" else value, match.start(0) + 1))
        pos = match.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


class _Parser:
    """Recursive descent: rel := sum (RELOP sum)?; sum := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := ('-'|'+') unary | power; power := atom (('^'|'**') unary)?; atom := num | var | func '(' sum ')' | '(' sum ')'
    """

    def __init__(self, text: str, names: Sequence[str] | Mapping[str, sp.Symbol], max_length: int = MAX_TEXT_LENGTH):
        self.tokens = _tokenize(text, max_length)
        self.i = 0
        self.symbols = dict(names) if isinstance(names, Mapping) else {name: sp.Symbol(name) for name in names}
        self.depth = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        if value is not None and token[1] != value:
            raise ParseError(f"expected {value!r} at column {token[2]}, found {token[1] or 'end of text'!r}")
        self.i += 1
        return token

    def relation(self) -> tuple[sp.Expr, str, sp.Expr]:
        left = self.sum()
        kind, op, col = self.peek()
        if op not in (">=", "<=", ">", "<", "=="):
            raise ParseError(f"expected a relation (>=, <=, >, <, =) at column {col}")
        self.take()
        right = self.sum()
        self.end()
        return left, "=" if op == "==" else op, right

    def end(self) -> None:
        kind, value, col = self.peek()
        if kind != "end":
            raise ParseError(f"unexpected {value!r} at column {col}")

    def sum(self) -> sp.Expr:
        terms = [self.term()]
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            right = self.term()
            terms.append(right if op == "+" else -right)
        return sp.Add(*terms)  # one Add: adding term by term re-flattens the sum each time (quadratic)

    def term(self) -> sp.Expr:
        factors = [self.unary()]
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            right = self.unary()
            if op == "/" and right == 0:
                raise ParseError("division by zero")
            factors.append(right if op == "*" else 1 / right)
        value = sp.Mul(*factors)
        for factor in sp.Mul.make_args(value):  # repeated factors merge: (a + b)^64*(a + b)^64 is (a + b)^128
            if factor.is_Pow and factor.exp.is_Integer and abs(factor.exp) > MAX_EXPONENT:
                raise ParseError(f"product folds past exponent {MAX_EXPONENT}: {factor.base}")
        return value

    def unary(self) -> sp.Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"expression nested deeper than {MAX_DEPTH}")
        try:
            if self.peek()[1] in ("-", "+"):
                op = self.take()[1]
                value = self.unary()
                return -value if op == "-" else value
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.peek()[1] in ("^", "**"):
            col = self.take()[2]
            exponent = self.unary()
            if not exponent.is_Rational:
                raise ParseError(f"exponent at column {col} must be a rational number")
            if abs(exponent) > MAX_EXPONENT:
                raise ParseError(f"exponent at column {col} exceeds {MAX_EXPONENT}")
            if base == 0 and exponent <= 0:
                raise ParseError("zero to a non-positive power")
            return checked_power(base, exponent, f"power at column {col}", ParseError)
        return base

    def atom(self) -> sp.Expr:
        kind, value, col = self.take()
        if kind == "num":
            return sp.Rational(value)
        if kind == "name":
            if value in _ROOTS:
                self.take("(")
                inner = self.sum()
                self.take(")")
                return checked_power(inner, _ROOTS[value], f"{value} at column {col}", ParseError)
            if value not in self.symbols:
                raise ParseError(f"unknown name {value!r} at column {col} (declared variables: {sorted(self.symbols)})")
            return self.symbols[value]
        if value == "(":
            inner = self.sum()
            self.take(")")
            return inner
        raise ParseError(f"unexpected {value or 'end of text'!r} at column {col}")


# digits per integer part: exact SOS certificates carry rationals of hundreds of digits (JBMO 2003's reach 700);
# below Python's own 4300-digit limit on int(str)
MAX_DIGITS = 4000
_RATIONAL = re.compile(rf"[+-]?\d{{1,{MAX_DIGITS}}}(?:\.\d{{1,{MAX_DIGITS}}})?(?:/\d{{1,{MAX_DIGITS}}})?")


def parse_rational(value: object) -> sp.Rational:
    """A rational from an int or text like '3', '-3/4', '0.25' (no exponents: '1e100000000' would stall).

    >>> parse_rational("-3/4"), parse_rational(2)
    (-3/4, 2)
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**300:
        return sp.Integer(value)
    if isinstance(value, str) and _RATIONAL.fullmatch(value.strip()):
        try:
            return sp.Rational(value.strip())
        except (ValueError, ZeroDivisionError, TypeError):
            pass
    raise ParseError(f"not a rational number: {value!r}")


def parse_math(text: str, names: Sequence[str] | Mapping[str, sp.Symbol], max_length: int = MAX_TEXT_LENGTH) -> sp.Expr:
    """Parse an arithmetic expression over the variables `names` (or a name -> Symbol map) into SymPy; text longer
    than `max_length` characters is refused (statements are short; a certificate's exact terms may not be)."""
    parser = _Parser(text, names, max_length)
    value = parser.sum()
    parser.end()
    return value


def parse_relation(text: str, names: Sequence[str] | Mapping[str, sp.Symbol]) -> tuple[sp.Expr, str, sp.Expr]:
    """Parse `lhs OP rhs` with OP one of >=, <=, >, <, = (or ==); returns (lhs, op, rhs)."""
    return _Parser(text, names).relation()
