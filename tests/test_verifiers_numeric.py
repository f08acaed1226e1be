"""Normalisation and the exact-number fast path (verifiers.normalize, verifiers.numeric)."""

import subprocess
import sys
from fractions import Fraction

import pytest

from verifiers import answer_key, verify
from verifiers.normalize import normalize
from verifiers.numeric import parse_number


@pytest.mark.parametrize(
    "text, value",
    [
        ("5", 5), ("-5", -5), ("+5", 5), ("05", 5), ("0.5", Fraction(1, 2)), (".5", Fraction(1, 2)),
        ("2.50", Fraction(5, 2)), ("1.5e3", 1500), ("1.2\\times10^{-6}", Fraction(12, 10**7)),
        ("10^{3}", 1000), ("3/4", Fraction(3, 4)), ("-\\frac{3}{6}", Fraction(-1, 2)),
        ("\\frac{-1}{2}", Fraction(-1, 2)), ("1\\frac{1}{2}", Fraction(3, 2)),
        ("0.1\\overline{6}", Fraction(1, 6)), ("0.\\overline{3}", Fraction(1, 3)),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text).value == value


@pytest.mark.parametrize("text", ["x", "\\sqrt{2}", "1/0", "\\frac{1}{0}", "2\\frac{5}{3}", "", "1,2"])
def test_not_a_plain_number(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "raw, normalized",
    [
        ("$\\boxed{\\dfrac{1}{2}}$", "\\frac{1}{2}"),
        ("1{,}000\\text{ dollars}.", "1000"),
        ("1,234,567", "1234567"),
        ("1\\,000", "1000"),
        ("\\$5.00", "5"),
        ("30^\\circ", "30"),
        ("25\\%", "25"),
        ("5\\text{ cm}", "5"),
        ("3 slices", "3"),
        ("\\left( 1, 2 \\right)", "(1,2)"),
        ("10.0", "10"),
        ("\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}", "\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}"),
    ],
)
def test_normalize(raw, normalized):
    assert normalize(raw) == normalized


def test_exact_not_rounded():
    # ANCHORS: Math-Verify compares 1/2^99 and 1/2^98, or 0.000001 and 0.0000012, equal after float rounding.
    assert verify("#### 0.000001", "0.0000012").status == "incorrect"
    assert verify("#### 100000000000000000001", "100000000000000000000").status == "incorrect"
    assert verify("#### 0.333", "1/3").status == "incorrect"
    assert verify("#### 0.5", "1/2").status == "correct"


def test_percent_only_rescaled_with_an_explicit_sign():
    # Qwen2.5-Math's grader also accepts x/100 and x*100 with no % in sight: a false-positive source.
    assert verify("#### 0.75", "75").status == "incorrect"
    assert verify("#### 7500", "75").status == "incorrect"
    # An explicit % on one side is a value: 25% = 0.25, and a dropped sign (25 for 25%) is fine.
    assert verify(r"\boxed{25\%}", "0.25").status == "correct"
    assert verify(r"\boxed{25\%}", "25").status == "correct"
    assert verify(r"\boxed{0.25\%}", "25\\%").status == "incorrect"


def test_answer_key_groups_equal_values():
    assert answer_key("0.5") == answer_key("1/2") == answer_key(r"\frac{2}{4}") == answer_key(r"\dfrac{1}{2}")
    assert answer_key("1,000") == answer_key("1000") == answer_key(r"\$1000.00")
    assert answer_key("0.5") != answer_key("0.50001")
    assert answer_key("x + 1") == answer_key("x+1")
    assert answer_key(r"\text{Monday}") == answer_key("monday") != answer_key("Tuesday")


def test_fast_path_needs_no_sympy_and_no_process():
    # RL batches call verify on integers constantly: that path must not import SymPy or start a worker.
    code = (
        "import sys, verifiers, verifiers.pool as p\n"
        "for c, g in [('#### 1,500', '1500'), (r'\\boxed{\\frac{2}{4}}', '0.5'), ('The answer is 7.', '8'),"
        " ('#### 2.50', '5/2')]:\n"
        "    assert verifiers.verify(c, g).method in ('string', 'numeric'), (c, g)\n"
        "assert 'sympy' not in sys.modules, 'fast path imported sympy'\n"
        "assert p._DEFAULT is None, 'fast path started the worker pool'\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=__file__.rsplit("/tests/", 1)[0])
