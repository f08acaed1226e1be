"""Find the final answer in a model completion.

`extract_answer(completion)` returns an `Extraction` (text, span, method) or None. Where to look:

1. If the completion contains `</think>`, the text after the last `</think>` is searched first; only if it holds
   no answer is the reasoning inside searched (the method then gets a `_in_think` suffix). A `<think>` that is
   never closed means the model was cut off while thinking: no answer.
2. Within the searched text, the first rule that matches wins (the *last* match of that rule is taken):

   ============  ================================================================================
   method        rule
   ============  ================================================================================
   minerva       "Final Answer: The final answer is X. I hope it is correct."
   boxed         the last `\\boxed{X}` / `\\fbox{X}` (nested braces; also `\\boxed 5`). If the last one is
                 unclosed (output cut off), there is no answer.
   gsm8k         the last `#### X` line
   answer_line   a line starting "Answer: X" / "Final answer: X" (also with `**` markup)
   answer_is     "the (final) answer is X" up to the end of the sentence
   choice        a multiple-choice letter: the last `\\textbf{(C)}`, or "(C)" on the last line
   last_number   fallback: the last number in the text (reported as such, so callers may ignore it)
   ============  ================================================================================

>>> extract_answer(r"So $x = \\boxed{\\frac{1}{2}}$.").text
'\\\\frac{1}{2}'
>>> extract_answer("<think>maybe 3</think>The answer is 4.").method
'answer_is'
>>> extract_answer(r"We get \\boxed{12") is None
True
"""

from __future__ import annotations

import re

from verifiers.verdict import Extraction

__all__ = ["extract_answer", "find_braced"]

_SPAN = 2000  # longest answer a phrase rule captures: bounds regex work on hostile completions (no O(n^2))
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"

# Phrase rules: a prefix found by a linear scan, then a bounded body matched only after the last few prefixes,
# so repeated prefixes in a hostile completion cost O(n), not O(n * answer length).
_MINERVA = (
    re.compile(r"Final Answer:\s*The final answer is\s*", re.I),
    re.compile(r"(.{1,%d}?)\.?\s*I hope it is correct" % _SPAN, re.S | re.I),
)
_BOXED = re.compile(r"\\(?:boxed|fbox)\b")
_GSM8K = re.compile(r"^[ \t]*####[ \t]*(.{1,%d}?)[ \t]*$" % _SPAN, re.M)
_ANSWER_LINE = re.compile(
    r"^[ \t>*_#-]*(?:final[ \t]+)?answer[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*(.{1,%d}?)[ \t]*$" % _SPAN, re.M | re.I
)
_ANSWER_IS = (
    re.compile(r"the\s+(?:final\s+)?answer\s+(?:is|=)\s*:?\s*", re.I),
    re.compile(r"(.{1,%d}?)(?=\.\s|\.$|\n|$)" % _SPAN, re.S),
)
_PHRASE_TRIES = 5  # prefixes tried from the end before giving up on a phrase rule
_TEXTBF_CHOICE = re.compile(r"\\textbf\{\s*\(?([A-J])\)?\s*\}")
_PAREN_CHOICE = re.compile(r"\(([A-J])\)")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")


def find_braced(text: str, open_index: int) -> int | None:
    """Index just past the `}` matching the `{` at `open_index`, or None if it is never closed.

    >>> find_braced("a{b{c}}d", 1)
    7
    """
    depth = 0
    i = open_index
    while i < len(text):
        ch = text[i]
        if ch == "\\":  # skip escaped characters such as \{ and \}
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _trimmed(region: str, start: int, end: int, method: str, offset: int) -> Extraction | None:
    """An Extraction for region[start:end] with surrounding whitespace removed; None if empty."""
    while start < end and region[start].isspace():
        start += 1
    while end > start and region[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    return Extraction(region[start:end], (start + offset, end + offset), method)


def _last_boxed(region: str, offset: int) -> Extraction | None | bool:
    """The last boxed answer; False when the last `\\boxed` is unclosed (a cut-off answer)."""
    matches = list(_BOXED.finditer(region))
    if not matches:
        return None
    m = matches[-1]
    i = m.end()
    while i < len(region) and region[i] == " ":
        i += 1
    if i < len(region) and region[i] == "{":
        close = find_braced(region, i)
        if close is None:
            return False
        return _trimmed(region, i + 1, close - 1, "boxed", offset)
    # `\boxed 5`: the answer runs to the next whitespace or `$`
    j = i
    while j < len(region) and not region[j].isspace() and region[j] != "$":
        j += 1
    return _trimmed(region, i, j, "boxed", offset) if j > i else False


def _last_group(pattern: re.Pattern, region: str, method: str, offset: int) -> Extraction | None:
    last = None
    for m in pattern.finditer(region):
        last = m
    if last is None:
        return None
    return _trimmed(region, last.start(1), last.end(1), method, offset)


def _last_phrase(rule: tuple[re.Pattern, re.Pattern], region: str, method: str, offset: int) -> Extraction | None:
    prefix, body = rule
    starts = [m.end() for m in prefix.finditer(region)]
    for start in reversed(starts[-_PHRASE_TRIES:]):
        m = body.match(region, start)
        if m:
            return _trimmed(region, m.start(1), m.end(1), method, offset)
    return None


def _choice(region: str, offset: int) -> Extraction | None:
    found = _last_group(_TEXTBF_CHOICE, region, "choice", offset)
    if found:
        return found
    stripped = region.rstrip()
    line_start = stripped.rfind("\n") + 1
    return _last_group(_PAREN_CHOICE, stripped[line_start:], "choice", offset + line_start)


def _search(region: str, offset: int) -> Extraction | None | bool:
    """Apply the rules in priority order; False means 'stop: the answer was cut off'."""
    found = _last_phrase(_MINERVA, region, "minerva", offset)
    if found:
        return found
    boxed = _last_boxed(region, offset)
    if boxed is not None:
        return boxed
    for pattern, method in ((_GSM8K, "gsm8k"), (_ANSWER_LINE, "answer_line")):
        found = _last_group(pattern, region, method, offset)
        if found:
            return found
    found = _last_phrase(_ANSWER_IS, region, "answer_is", offset)
    if found:
        return found
    found = _choice(region, offset)
    if found:
        return found
    matches = list(_NUMBER.finditer(region))
    if matches:
        m = matches[-1]
        return Extraction(m.group(0), (m.start() + offset, m.end() + offset), "last_number")
    return None


def extract_answer(completion: str) -> Extraction | None:
    """The final answer of `completion`, or None when it holds none (see the module docstring for the rules)."""
    if not isinstance(completion, str):
        raise TypeError(f"completion must be a str, not {type(completion).__name__}")
    close = completion.rfind(_THINK_CLOSE)
    if close == -1:
        if _THINK_OPEN in completion:
            return None  # cut off mid-thought: whatever it wrote so far is not a final answer
        found = _search(completion, 0)
        return found or None
    after = close + len(_THINK_CLOSE)
    found = _search(completion[after:], after)
    if found is False:
        return None
    if found:
        return found
    inside = _search(completion[:close], 0)
    if not inside or inside.method == "last_number":
        return None  # a stray number in the reasoning is not an answer once the model closed its thoughts
    return Extraction(inside.text, inside.span, inside.method + "_in_think")
