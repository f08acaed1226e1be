"""Safe parsing of inequality statements and problem records (no Python is ever evaluated)."""

import json

import pytest
import sympy as sp

from reasoning.ineq.parse import MAX_EXPONENT, ParseError, parse_math, parse_relation
from reasoning.ineq.problem import Problem, ProblemError, load_problems


def test_arithmetic_and_precedence():
    a, b = sp.symbols("a b")
    assert parse_math("a + b*2^3", "ab") == a + 8 * b
    assert parse_math("-a^2", "ab") == -(a**2)  # unary minus binds looser than the power
    assert parse_math("2^-1", "ab") == sp.Rational(1, 2)
    assert parse_math("0.25*a", "ab") == a / 4  # decimals become exact rationals
    assert parse_math("sqrt(a*b)", "ab") == sp.sqrt(a * b)
    assert parse_math("cbrt(a)", "ab") == a ** sp.Rational(1, 3)


def test_relations():
    a, b = sp.symbols("a b")
    assert parse_relation("a <= b", "ab") == (a, "<=", b)
    assert parse_relation("a*b = 1", "ab") == (a * b, "=", 1)
    assert parse_relation("a == 1", "ab")[1] == "="


@pytest.mark.parametrize("text", [
    "__import__('os').system('true') >= 0",
    "a.__class__ >= 0",
    "exec(a) >= 0",
    "lambda: 1 >= 0",
    "a >= b >= 1",
    "a >= ",
    "a ^ b >= 1",  # symbolic exponent
    f"a^{MAX_EXPONENT + 1} >= 0",
    "a[0] >= 1",
    "a >= 1; b",
    "x >= 1",  # undeclared name
    "1/0 >= a",
])
def test_hostile_or_malformed_input_is_rejected(text):
    with pytest.raises(ParseError):
        parse_relation(text, "ab")


def test_problem_validation():
    with pytest.raises(ProblemError):
        Problem(id="x", vars=("a", "a"), domain="positive", goal="a >= 0")
    with pytest.raises(ProblemError):
        Problem(id="x", vars=("a",), domain="complex", goal="a >= 0")
    with pytest.raises(ProblemError):
        Problem(id="x", vars=("sqrt",), domain="real", goal="sqrt >= 0")
    with pytest.raises(ProblemError):
        Problem(id="x", vars=("a",), domain="real", goal="a = 0").parse()


def test_load_errors_name_file_and_line(tmp_path):
    good = {"id": "g", "vars": ["a"], "domain": "real", "goal": "a^2 >= 0"}
    bad = {"id": "b", "vars": ["a"], "domain": "real", "goal": "a^2 >= os"}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ProblemError, match=r"p\.jsonl:2"):
        load_problems(path)
