"""Exact numbers from normalised answer text, without SymPy: the fast path for most RL rewards.

`parse_number` reads integers, decimals, scientific notation, `a/b`, `\\frac{a}{b}`, mixed numbers and repeating
decimals (`0.1\\overline{6}`) into a
`fractions.Fraction`, so `0.5`, `1/2` and `\\frac{2}{4}` are the same value and `1/2^99` never equals `1/2^98`
by float rounding. A decimal remembers how many places it was written with: against an irrational gold it is
judged by rounding (`decimal_matches`), never against a rational one.

>>> parse_number(r"-\\frac{3}{6}").value
Fraction(-1, 2)
>>> parse_number("1.5e3").value
Fraction(1500, 1)
>>> parse_number("x") is None
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from verifiers.limits import MAX_INTEGER_DIGITS

__all__ = ["Number", "parse_number", "decimal_matches", "number_key"]

_DEC = r"(?:\d+(?:\.\d*)?|\.\d+)"
_SIGNED = rf"[-+]?{_DEC}"
_LITERAL = re.compile(rf"^({_SIGNED})(?:(?:[eE]|\*10\*\*|(?:\\times|\\cdot|\*|×)10\^)\{{?([-+]?\d{{1,4}})\}}?)?$")
_POWER_OF_TEN = re.compile(r"^([-+]?)10\^\{?([-+]?\d{1,4})\}?$")
_SLASH = re.compile(rf"^({_SIGNED})/({_DEC})$")
_FRAC = re.compile(rf"^([-+]?)\\frac\{{({_SIGNED})\}}\{{({_SIGNED})\}}$")
_REPEATING = re.compile(r"^([-+]?)(\d*)\.(\d*)\\overline\{(\d{1,50})\}$")
_MIXED = re.compile(r"^([-+]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$")


@dataclass(frozen=True)
class Number:
    """An exact value and, for decimals, the number of places written (None for exact forms)."""

    value: Fraction
    decimal_places: int | None = None

    @property
    def significant_digits(self) -> int:
        """Significant digits written, for decimals; large for exact forms."""
        if self.decimal_places is None:
            return 10**6
        return len(str(round(abs(self.value) * 10**self.decimal_places)).lstrip("0"))


def _literal(text: str) -> tuple[Fraction, int | None]:
    if len(text.replace(".", "").lstrip("+-")) > MAX_INTEGER_DIGITS:
        raise ValueError("too many digits")
    places = len(text.split(".", 1)[1]) if "." in text else None
    return Fraction(text), places


def _combine(*places: int | None) -> int | None:
    known = [p for p in places if p is not None]
    return max(known) if known else None


def parse_number(text: str) -> Number | None:
    """The exact `Number` written in normalised `text`, or None if it is not a plain number."""
    s = text.replace(" ", "")
    if not s or len(s) > 2 * MAX_INTEGER_DIGITS:
        return None
    try:
        if m := _LITERAL.match(s):
            value, places = _literal(m.group(1))
            if m.group(2):
                exponent = int(m.group(2))
                value *= Fraction(10) ** exponent
                places = None if places is None else max(places - exponent, 0)
            return Number(value, places)
        if m := _POWER_OF_TEN.match(s):
            return Number((-1 if m.group(1) == "-" else 1) * Fraction(10) ** int(m.group(2)))
        if m := _SLASH.match(s):
            (num, p1), (den, p2) = _literal(m.group(1)), _literal(m.group(2))
            return Number(num / den, _combine(p1, p2)) if den else None
        if m := _FRAC.match(s):
            (num, p1), (den, p2) = _literal(m.group(2)), _literal(m.group(3))
            if not den:
                return None
            return Number((-1 if m.group(1) == "-" else 1) * num / den, _combine(p1, p2))
        if m := _REPEATING.match(s):  # 0.1\overline{6} = 1/6
            whole, fixed, period = m.group(2) or "0", m.group(3), m.group(4)
            value = int(whole) + Fraction(int(fixed or "0"), 10 ** len(fixed))
            value += Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed))
            return Number(-value if m.group(1) == "-" else value)
        if m := _MIXED.match(s):
            whole, num, den = int(m.group(2)), int(m.group(3)), int(m.group(4))
            if not den or num >= den:
                return None  # "2\frac{5}{3}" is not a mixed number; let the symbolic parser decide
            return Number((-1 if m.group(1) == "-" else 1) * (whole + Fraction(num, den)))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None


def decimal_matches(decimal: Number, approx: float) -> bool:
    """True if a written decimal is `approx` (an irrational value) rounded or truncated to its places.

    Three significant digits at least: "1.4" is not accepted for sqrt(2), "1.414" is.

    >>> decimal_matches(parse_number("1.414"), 2 ** 0.5)
    True
    >>> decimal_matches(parse_number("1.415"), 2 ** 0.5)
    False
    """
    if decimal.decimal_places is None or decimal.significant_digits < 3:
        return False
    scale = 10**decimal.decimal_places
    written = decimal.value * scale  # an integer: the digits as written
    target = approx * scale
    if abs(target) > 2**52:  # beyond float resolution: fall back to one unit in the last place
        return abs(float(written) - target) <= 1 
    return written in (round(target), math.trunc(target))


def number_key(number: Number) -> str:
    """A canonical string for a value: `p/q` in lowest terms, or `n`.

    >>> number_key(parse_number("0.50")), number_key(parse_number("4/2"))
    ('1/2', '2')
    """
    return str(number.value)
