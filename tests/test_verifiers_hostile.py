"""Hostile model output: no code execution, no hang, a definite status within the timeout."""

import re
import time
from pathlib import Path

import pytest

from verifiers import STATUSES, verify

PACKAGE = Path(__file__).resolve().parents[1] / "verifiers"
TIMEOUT = 3.0

HOSTILE = [
    ("__import__('os').system('touch {marker}')", "0"),
    ("__import__('os').system('touch {marker}') + 1", "1"),
    ("eval('1+1')", "2"),
    ("9^{9^{9^9}}", "1"),
    ("(x+1)^{100000}", "x+1"),
    ("(" * 500 + "1" + ")" * 500, "1"),
    ("+".join(["1"] * 2000), "2000"),
    ("+".join(f"x^{{{k}}}" for k in range(2000)), "x"),
    ("100000!", "1"),
    ("2^{2^{2^{2^{2^{2}}}}}", "1"),
    ("\\sum_{k=1}^{10^{12}} k", "1"),
    ("\\underbrace{" * 45 + "1" + "}" * 45, "1"),
    ("9" * 20000, "9"),
]


@pytest.mark.parametrize("answer, gold", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_definite_status_within_timeout(answer, gold, tmp_path):
    marker = tmp_path / "pwned"
    answer = answer.replace("{marker}", str(marker))
    completion = "The answer is $\\boxed{" + answer + "}$"
    start = time.perf_counter()
    verdict = verify(completion, gold, timeout=TIMEOUT)
    elapsed = time.perf_counter() - start
    assert verdict.status in STATUSES and verdict.status != "correct"
    assert elapsed < TIMEOUT + 5.0, f"{elapsed:.1f}s for {answer[:40]}"  # slack for a loaded 2-core machine
    assert not marker.exists(), "hostile answer executed code"


def test_hostile_gold_is_gold_error():
    assert verify(r"\boxed{1}", "9^{9^{9^9}}").status == "gold_error"


def test_expansion_bomb_in_both_sides_is_bounded():
    start = time.perf_counter()
    verdict = verify(r"\boxed{(x+1)^{150}(x-1)^{150}}", "(x^2-1)^{150}", timeout=TIMEOUT)
    assert verdict.status in ("correct", "timeout")
    assert time.perf_counter() - start < TIMEOUT + 5.0


def _library_sources():
    return {path.name: path.read_text() for path in PACKAGE.glob("*.py")}


def test_no_signal_alarm_in_library():
    uses_signal = re.compile(r"^\s*(import|from)\s+signal\b|\bsignal\.(alarm|setitimer|signal)\(", re.M)
    for name, source in _library_sources().items():
        assert not uses_signal.search(source), f"{name} uses signals: unsafe outside the main thread"


def test_no_eval_of_raw_text_in_library():
    forbidden = re.compile(r"(?<![\w.])(eval|exec|sympify|parse_expr)\s*\(")
    for name, source in _library_sources().items():
        assert not forbidden.search(source), f"{name} calls eval/exec/sympify/parse_expr"


def test_no_torch_or_transformers_import():
    for name, source in _library_sources().items():
        assert not re.search(r"^\s*(import|from)\s+(torch|transformers)\b", source, re.M), name


@pytest.mark.parametrize(
    "completion",
    [
        "Final Answer: The final answer is " * 20_000,
        "the answer is " * 50_000,
        "#### " + "1" * 500_000,
        "\\boxed{" + "x+" * 300_000 + "1}",
        "\\boxed{" + "\\frac{" * 50_000 + "}",
        "<think>" + "wait, " * 200_000 + "</think> \\boxed{3}",
    ],
    ids=["minerva-prefixes", "answer-is-prefixes", "long-number", "huge-box", "unclosed-fracs", "long-think"],
)
def test_huge_completions_are_fast(completion):
    start = time.perf_counter()
    verdict = verify(completion, "3", timeout=TIMEOUT)
    assert verdict.status in STATUSES
    assert time.perf_counter() - start < 8.0  # quadratic scans took 15+ s here; linear ones well under 1 s
