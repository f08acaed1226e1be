"""Symbolic equivalence through the public API (parsing + comparison in the worker pool)."""

import pytest

from verifiers import answers_equivalent, verify

CASES = [
    # (answer, gold, expected status)
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", "correct"),
    (r"2\sqrt{3}", r"\sqrt{12}", "correct"),
    (r"\pi \cdot 12", r"12\pi", "correct"),
    (r"e^{i\pi}", "-1", "correct"),
    ("3+2i", "2i+3", "correct"),
    ("3-2i", "3+2i", "incorrect"),
    ("(x-1)(x+1)", "x^2-1", "correct"),
    (r"\sin^2 x + \cos^2 x", "1", "correct"),
    (r"\log_2 8", "3", "correct"),
    ("x = 3", "3", "correct"),
    ("2x - y + 1 = 0", "y = 2x+1", "correct"),
    ("y = 2x - 1", "y = 2x+1", "incorrect"),
    (r"1, 2", r"\{2, 1\}", "correct"),
    (r"x = 1 \text{ or } x = 2", "2, 1", "correct"),
    (r"\frac{-1 \pm \sqrt{5}}{2}", r"\frac{-1+\sqrt{5}}{2}, \frac{-1-\sqrt{5}}{2}", "correct"),
    ("(1, 2)", "(2, 1)", "incorrect"),
    (r"x \le 3", r"(-\infty, 3]", "correct"),
    ("x < 3", r"(-\infty, 3]", "incorrect"),
    (r"(3,4] \cup [1,2)", r"[1,2) \cup (3,4]", "correct"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", "correct"),
    (r"\begin{pmatrix} 2 \\ 4 \end{pmatrix}", "(2, 4)", "correct"),
    (r"1.414", r"\sqrt{2}", "correct"),
    (r"1.415", r"\sqrt{2}", "incorrect"),
    (r"1.4", r"\sqrt{2}", "incorrect"),
    (r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}", "incorrect"),
    (r"10^{100}+1", r"10^{100}", "incorrect"),
    ("1", r"1-\frac{1}{\mathrm{e}}", "incorrect"),
    (r"1-e^{-1}", r"1-\frac{1}{\mathrm{e}}", "correct"),
    (r"-\infty", r"\infty", "incorrect"),
    (r"\frac{1}{0}", "1", "incorrect"),
]


@pytest.mark.parametrize("answer, gold, status", CASES)
def test_equivalence(answer, gold, status):
    verdict = verify(f"The answer is $\\boxed{{{answer}}}$.", gold)
    assert verdict.status == status, verdict
    if status == "correct" and verdict.method == "symbolic":
        assert verdict.detail.startswith("symbolic")


def test_gold_error_is_not_the_models_fault():
    verdict = verify(r"\boxed{5}", r"\frac{1}{")
    assert verdict.status == "gold_error" and not verdict.correct
    assert verify(r"\boxed{5}", "").status == "gold_error"


def test_unparseable_answer():
    verdict = verify(r"\boxed{\text{I refuse}}", "5")
    assert verdict.status == "unparseable"


def test_answers_equivalent_merges_vote_clusters():
    assert answers_equivalent(r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}")
    assert answers_equivalent("0.5", r"\frac{1}{2}")
    assert not answers_equivalent(r"\sqrt{2}", r"\sqrt{3}")
    assert not answers_equivalent("x+", "x")  # unparseable counts as not equivalent


def test_forced_kind():
    assert verify(r"\boxed{4}", "4", kind="symbolic").correct
    with pytest.raises(ValueError, match="unknown verifier kind"):
        verify(r"\boxed{4}", "4", kind="no_such_kind")
