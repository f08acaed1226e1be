"""String normalisation of an answer before any comparison.

`normalize(text)` removes presentation that never changes the value: math delimiters, `\\boxed{}`, `\\left`/`\\right`,
spacing commands, `\\dfrac`/`\\tfrac`, `\\text{}` wrappers, trailing units, `\\%`, degrees, dollars, thousands
separators and a trailing period. It is pure string work (no SymPy) so it is cheap enough for every RL sample.

Percentages keep their number (`50\\%` -> `50`), as graders that also try `x/100` and `x*100` produce false
positives (ANCHORS.md: Qwen2.5-Math's grader).

>>> normalize(r"$\\boxed{\\dfrac{1}{2}}$")
'\\\\frac{1}{2}'
>>> normalize(r"1{,}000\\text{ dollars}.")
'1000'
>>> normalize(r"\\left( 1, 2 \\right)")
'(1,2)'
"""

from __future__ import annotations

import re

from verifiers.extraction import find_braced

__all__ = ["normalize", "unwrap_command", "is_plain_text"]

# Words that are units or currency when they follow a number ("18 dollars", "5\text{ cm}").
_UNIT_WORDS = (
    r"dollars?|cents?|euros?|pounds?|yuan|rupees?|units?|square|sq|cubic|cu|meters?|metres?|centimeters?|cm|mm|km|m|"
    r"inches|inch|in|feet|foot|ft|yards?|yd|miles?|mi|mph|kg|g|grams?|kilograms?|lbs?|ounces?|oz|liters?|litres?|"
    r"ml|l|gallons?|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|years?|degrees?|deg|"
    r"percent|points?|people|persons?|students?|times|ways|hours|apples|items|pieces|cookies|pages|sq\.?"
)
_TRAILING_UNITS = re.compile(rf"^(.*?\d)(?:\s+(?:{_UNIT_WORDS})\b\.?)+\s*(?:\^?\{{?[23]\}}?)?$", re.I)
_THOUSANDS = re.compile(r"^([-+]?)(\d{1,3}(?:,\d{3})+)(\.\d+)?$")
_TEXT_COMMANDS = ("text", "textbf", "textit", "textrm", "mathrm", "mathbf", "mbox", "textnormal", "operatorname")
_SPACING = re.compile(r"(?<!\\)\\[,;:!> ]|\\q?quad(?![a-zA-Z])|~")  # not the row break \\
_MATH_DELIMS = re.compile(r"^\$+|\$+$|^\\\(|\\\)$|^\\\[|\\\]$")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\^\{\\text\{o\}\}")
_MALFORMED_FRAC = re.compile(r"\\frac\s*(\d)\s*(\d)")
_MALFORMED_FRAC2 = re.compile(r"\\frac\s*(\{[^{}]*\})\s*(\d)")
_MALFORMED_SQRT = re.compile(r"\\sqrt\s*(\d+|[a-zA-Z])")
_PLAIN_TEXT = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")
_SHORT_WORDS = {"yes", "no", "odd", "all", "none", "true", "false", "even", "neither", "both"}
_NUMBER_THEN_WORDS = re.compile(r"^([-+]?\d[\d.,/]*)\s+[A-Za-z]{2,}[A-Za-z .'-]*$")  # not "3 i" (complex)


def unwrap_command(text: str, command: str, keep: bool = True) -> str:
    """Replace every `\\command{X}` by `X` (or by nothing when keep=False), respecting nested braces.

    >>> unwrap_command(r"\\boxed{\\frac{1}{2}}+1", "boxed")
    '\\\\frac{1}{2}+1'
    """
    pattern = re.compile(r"\\" + command + r"\s*\{")
    out = []
    pos = 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            break
        close = find_braced(text, m.end() - 1)
        if close is None:
            break
        out.append(text[pos : m.start()])
        if keep:
            out.append(text[m.end() : close - 1])
        pos = close
    out.append(text[pos:])
    return "".join(out)


def _strip_units(text: str) -> str:
    """'18 dollars' -> '18'; '5 apples' -> '5'; '2x+1 apples' -> '2x+1' (only listed unit words after math)."""
    m = _NUMBER_THEN_WORDS.match(text) or _TRAILING_UNITS.match(text)
    return m.group(1) if m else text


def normalize(text: str) -> str:
    """A canonical string for `text` (see the module docstring); equal outputs mean equal answers."""
    s = text.strip()
    s = s.replace("\n", " ")
    for _ in range(3):  # delimiters and wrappers can be nested: $\boxed{$x$}$
        s = _MATH_DELIMS.sub("", s.strip()).strip()
        for cmd in ("boxed", "fbox", "displaystyle"):
            s = unwrap_command(s, cmd)
    s = s.replace("\\displaystyle", "")
    s = re.sub(r"\\(?:left|right)\s*\.", "", s)  # invisible delimiters
    s = re.sub(r"\\(?:left|right|bigg|Bigg|big|Big)(?![a-zA-Z])", "", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\varnothing", "\\emptyset")
    s = _SPACING.sub(" ", s)
    s = _DEGREES.sub("", s)
    s = s.replace("\\%", "").replace("%", "").replace("\\$", "").replace("$", "")
    s = re.sub(r"\{,\}", ",", s)
    # A unit in \text{} after a number is dropped; other \text{} wrappers keep their content.
    s = re.sub(r"(\d)\s*\\(?:text|mbox|mathrm)\{\s*(?:" + _UNIT_WORDS + r")\s*\}(?:\^\{?[23]\}?)?", r"\1", s, flags=re.I)
    # Trailing words after math ("\frac{3}{4}\text{ of the pie}") describe the value; they are not part of it.
    s = re.sub(r"(?<=[\w}\)])\s*\\(?:text|mbox|mathrm)\{\s*[A-Za-z][A-Za-z .']*\}\s*\.?$", "", s)
    s = re.sub(r"^[A-Za-z]\s*\\in(?![a-zA-Z])\s*", "", s)  # "x \in [1,2]" is the set [1,2]
    for cmd in _TEXT_COMMANDS:
        s = unwrap_command(s, cmd)
    s = s.replace("\\mathrm", "").replace("\\text", "")
    s = re.sub(r"\\(?:le|leqslant)(?![a-zA-Z])", r"\\leq", s)
    s = re.sub(r"\\(?:ge|geqslant)(?![a-zA-Z])", r"\\geq", s)
    s = _MALFORMED_FRAC.sub(r"\\frac{\1}{\2}", s)
    s = _MALFORMED_FRAC2.sub(r"\\frac\1{\2}", s)
    s = _MALFORMED_SQRT.sub(r"\\sqrt{\1}", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.rstrip(".").strip()
    s = _strip_units(s)
    s = re.sub(r"\s*([=,+\-*/^()\[\]{}<>])\s*", r"\1", s)
    m = _THOUSANDS.match(s)
    if m:
        s = m.group(1) + m.group(2).replace(",", "") + (m.group(3) or "")
    if re.fullmatch(r"-?\d{1,3}(?: \d{3})+", s):  # thin-space thousands: 1\,000
        s = s.replace(" ", "")
    if re.fullmatch(r"[-+]?\d+\.0+", s):  # trailing .0 on an integer
        s = s.split(".")[0]
    return s.lstrip("+") if re.fullmatch(r"\+\d.*", s) else s


def is_plain_text(normalized: str) -> bool:
    """True for word answers ("Monday", "yes") that are compared as case-insensitive strings, not as math.

    >>> is_plain_text("Monday"), is_plain_text("yes"), is_plain_text("abc"), is_plain_text("2x")
    (True, True, False, False)
    """
    if not _PLAIN_TEXT.match(normalized):
        return False
    # "abc" is a product of variables, "Monday" or "yes" a word: short letter runs count as math
    return " " in normalized.strip() or len(normalized) >= 4 or normalized.lower() in _SHORT_WORDS
