"""Deterministic synthetic math problems with step-by-step solutions and `\\boxed{}` answers.

Four task families, each in three difficulty levels (1 = easy, 2 = medium, 3 = hard):

- `add`:    multi-digit addition and subtraction, worked digit by digit from the right.
- `mul`:    multiplication; levels 1-2 by one digit with carries, level 3 two-digit by two-digit via partial products.
- `frac`:   fraction arithmetic with the answer as a reduced fraction (or an integer).
- `linear`: linear equations in x with an integer or reduced-fraction solution.

The solutions are written so that each line is a small local step (a digit fact, a copy of the previous partial
result with one digit more), which is what lets the tiny built-in model learn them on a CPU in minutes. The hard level
contains steps (two-digit products, large lcms) that the tiny model cannot do reliably, on purpose: it leaves room
for voting and RL to show gains.

Everything is a pure function of `(seed, index)`, so splits are reproducible on any machine:

>>> a = generate(3, seed=7)
>>> a == generate(3, seed=7)
True
>>> sorted({p.meta["task"] for p in generate(8, seed=0)}) == sorted(TASKS)
True
"""

from __future__ import annotations

import random
from fractions import Fraction
from math import gcd

from problems.problem import Problem

TASKS = ("add", "mul", "frac", "linear")
LEVELS = (1, 2, 3)
LEVEL_NAMES = {1: "easy", 2: "medium", 3: "hard"}


def _boxed(answer: str) -> str:
    return f"\\boxed{{{answer}}}"


def _digits_from_right(n: int, width: int) -> list[int]:
    return [(n // 10**i) % 10 for i in range(width)]


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


# --- addition and subtraction -------------------------------------------------------------------------------------

# (digits of the first operand, digits of the second) per level, as (fewest, most).
_ADD_DIGITS = {1: ((1, 2), (1, 1)), 2: ((2, 3), (2, 3)), 3: ((4, 5), (3, 5))}


def _operand(rng: random.Random, digits: tuple[int, int]) -> int:
    return rng.randint(10 ** (digits[0] - 1), 10 ** digits[1] - 1)


def _addition(rng: random.Random, level: int) -> tuple[str, str, str]:
    first, second = _ADD_DIGITS[level]
    a, b = _operand(rng, first), _operand(rng, second)
    if rng.random() < 0.5:
        return _add_steps(a, b)
    a, b = max(a, b), min(a, b)
    return _sub_steps(a, b)


def _add_steps(a: int, b: int) -> tuple[str, str, str]:
    width = max(len(str(a)), len(str(b)))
    da, db = _digits_from_right(a, width), _digits_from_right(b, width)
    lines, partial, carry = ["Add digit by digit from the right."], "", 0
    for x, y in zip(da, db):
        total = x + y + carry
        expr = f"{x}+{y}" + (f"+{carry}" if carry else "")
        partial = str(total % 10) + partial
        carry = total // 10
        lines.append(f"{expr}={total}, write {total % 10}, carry {carry}: {partial}")
    if carry:
        partial = str(carry) + partial
        lines.append(f"carry {carry}: {partial}")
    answer = str(a + b)
    return f"What is {a} + {b}?", "\n".join(lines) + f"\n{_boxed(answer)}", answer


def _sub_steps(a: int, b: int) -> tuple[str, str, str]:
    width = len(str(a))
    da, db = _digits_from_right(a, width), _digits_from_right(b, width)
    lines, partial, borrow = ["Subtract digit by digit from the right."], "", 0
    for x, y in zip(da, db):
        top = x - borrow
        expr = f"{x}-{borrow}-{y}" if borrow else f"{x}-{y}"
        if top < y:
            value, borrow = top + 10 - y, 1
            lines.append(f"{expr} needs a borrow: {top + 10}-{y}={value}, borrow 1: {value}{partial}")
        else:
            value, borrow = top - y, 0
            lines.append(f"{expr}={value}, borrow 0: {value}{partial}")
        partial = str(value) + partial
    answer = str(a - b)
    return f"What is {a} - {b}?", "\n".join(lines) + f"\n{_boxed(answer)}", answer


# --- multiplication -----------------------------------------------------------------------------------------------


def _multiplication(rng: random.Random, level: int) -> tuple[str, str, str]:
    if level == 1:
        a, d = rng.randint(2, 19), rng.randint(2, 9)
    elif level == 2:
        a, d = rng.randint(20, 999), rng.randint(2, 9)
    else:
        a, b = rng.randint(12, 99), rng.randint(12, 99)
        return _long_multiplication(a, b)
    lines = _by_digit_lines(a, d)
    answer = str(a * d)
    return f"What is {a} * {d}?", "\n".join(lines) + f"\n{_boxed(answer)}", answer


def _by_digit_lines(a: int, d: int) -> list[str]:
    lines, partial, carry = [f"Multiply {a} by {d} digit by digit from the right."], "", 0
    digits = _digits_from_right(a, len(str(a)))
    for i, x in enumerate(digits):
        total = x * d + carry
        expr = f"{x}*{d}" + (f"+{carry}" if carry else "")
        last = i == len(digits) - 1
        partial = (str(total) if last else str(total % 10)) + partial
        carry = 0 if last else total // 10
        lines.append(f"{expr}={total}: {partial}" if last else f"{expr}={total}, write {total % 10}, carry {carry}: {partial}")
    return lines


def _long_multiplication(a: int, b: int) -> tuple[str, str, str]:
    tens, units = divmod(b, 10)
    lines = [f"Split {b} = {tens * 10} + {units}."]
    lines.append(f"{a}*{units}={a * units}.")
    lines.append(f"{a}*{tens}={a * tens}, so {a}*{tens * 10}={a * tens * 10}.")
    lines.append(f"{a * units}+{a * tens * 10}={a * b}.")
    answer = str(a * b)
    lines.append(f"So {a}*{b}={answer}.")
    return f"What is {a} * {b}?", "\n".join(lines) + f"\n{_boxed(answer)}", answer


# --- fractions ----------------------------------------------------------------------------------------------------


def _reduce_line(num: int, den: int) -> tuple[str, Fraction]:
    g = gcd(num, den)
    value = Fraction(num, den)
    if g == 1:
        return f"gcd({num},{den})=1, so it is already reduced.", value
    return f"gcd({num},{den})={g}, so {num}/{den}={_fraction_text(value)}.", value


def _fractions(rng: random.Random, level: int) -> tuple[str, str, str]:
    if level == 1:
        den = rng.randint(2, 9)
        n1, n2 = rng.randint(1, den - 1), rng.randint(1, den - 1)
        lines = [f"The denominators are equal, so add the numerators: {n1}+{n2}={n1 + n2}."]
        text, value = _reduce_line(n1 + n2, den)
        question = f"What is {n1}/{den} + {n2}/{den}?"
        lines.append(f"{n1}/{den} + {n2}/{den} = {n1 + n2}/{den}. {text}")
    elif level == 2:
        d1, d2 = rng.sample(range(2, 10), 2)
        n1, n2 = rng.randint(1, d1 - 1), rng.randint(1, d2 - 1)
        op = rng.choice("+-")
        common = d1 * d2 // gcd(d1, d2)
        m1, m2 = n1 * (common // d1), n2 * (common // d2)
        num = m1 + m2 if op == "+" else m1 - m2
        question = f"What is {n1}/{d1} {op} {n2}/{d2}?"
        lines = [
            f"The common denominator is lcm({d1},{d2})={common}.",
            f"{n1}/{d1} = {m1}/{common} and {n2}/{d2} = {m2}/{common}.",
            f"{m1}{op}{m2}={num}, so the result is {num}/{common}.",
        ]
        text, value = _reduce_line(num, common)
        lines.append(text)
    else:
        d1, d2 = rng.randint(2, 15), rng.randint(2, 15)
        n1, n2 = rng.randint(1, 20), rng.randint(1, 20)
        if rng.random() < 0.5:
            question = f"What is {n1}/{d1} * {n2}/{d2}?"
            lines = [f"Multiply numerators and denominators: {n1}*{n2}={n1 * n2} and {d1}*{d2}={d1 * d2}."]
            text, value = _reduce_line(n1 * n2, d1 * d2)
        else:
            question = f"What is {n1}/{d1} divided by {n2}/{d2}?"
            lines = [
                f"Dividing by {n2}/{d2} is multiplying by {d2}/{n2}.",
                f"{n1}*{d2}={n1 * d2} and {d1}*{n2}={d1 * n2}.",
            ]
            text, value = _reduce_line(n1 * d2, d1 * n2)
        lines.append(text)
    answer = _fraction_text(value)
    lines.append(f"The answer is {answer}.")
    return question, "\n".join(lines) + f"\n{_boxed(answer)}", answer


# --- linear equations ---------------------------------------------------------------------------------------------


def _signed(term: int) -> str:
    return f"+ {term}" if term >= 0 else f"- {-term}"


def _linear(rng: random.Random, level: int) -> tuple[str, str, str]:
    x = rng.randint(1, 9) if level == 1 else rng.randint(-9, 20)
    if level == 1:  # one-digit facts only: x + b = c with x, b < 10
        b = rng.randint(1, 9)
        c = x + b
        question = f"Solve for x: x + {b} = {c}."
        lines = [f"Subtract {b} from both sides: x = {c}-{b}.", f"{c}-{b}={x}, so x = {x}."]
        answer = str(x)
    elif level == 2:
        a, b = rng.randint(2, 9), rng.randint(-20, 20)
        c = a * x + b
        question = f"Solve for x: {a}x {_signed(b)} = {c}."
        lines = [
            f"Move {b} to the right side: {a}x = {c} {_signed(-b)} = {c - b}.",
            f"Divide by {a}: x = {c - b}/{a} = {x}.",
        ]
        answer = str(x)
    else:
        a, c = sorted(rng.sample(range(2, 12), 2), reverse=True)
        b, d = rng.randint(-20, 20), rng.randint(-20, 20)
        value = Fraction(d - b, a - c)
        question = f"Solve for x: {a}x {_signed(b)} = {c}x {_signed(d)}."
        lines = [
            f"Collect x on the left: {a}x - {c}x = {a - c}x.",
            f"Collect numbers on the right: {d} {_signed(-b)} = {d - b}.",
            f"So {a - c}x = {d - b} and x = {d - b}/{a - c}.",
        ]
        lines.append(f"Simplify: x = {_fraction_text(value)}.")
        answer = _fraction_text(value)
    return question, "\n".join(lines) + f"\n{_boxed(answer)}", answer


_MAKERS = {"add": _addition, "mul": _multiplication, "frac": _fractions, "linear": _linear}


def make_problem(task: str, level: int, seed: int, index: int) -> Problem:
    """One problem, a pure function of its arguments."""
    if task not in _MAKERS:
        raise ValueError(f"unknown synthetic task {task!r}; choose from {', '.join(TASKS)}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level}; choose from {LEVELS}")
    # String seeds hash deterministically in `random` (unlike hash()), so every machine sees the same problems.
    rng = random.Random(f"{seed}:{task}:{level}:{index}")
    question, solution, answer = _MAKERS[task](rng, level)
    return Problem(
        id=f"{task}-L{level}-s{seed}-{index}",
        question=question,
        answer=answer,
        solution=solution,
        source="synthetic",
        meta={"task": task, "level": level, "difficulty": LEVEL_NAMES[level]},
    )


def generate(
    count: int,
    *,
    seed: int = 0,
    tasks: tuple[str, ...] = TASKS,
    levels: tuple[int, ...] = LEVELS,
) -> list[Problem]:
    """`count` problems cycling through every (task, level) pair, so each cell gets an equal share.

    A level listed twice gets twice the share (the train split leans towards the easier levels).
    """
    cells = [(task, level) for level in levels for task in tasks]
    return [make_problem(*cells[i % len(cells)], seed=seed, index=i) for i in range(count)]


# --- the bundled splits -------------------------------------------------------------------------------------------

TRAIN_SEED, TEST_SEED = 1, 2
TRAIN_SIZE, TEST_SIZE = 12_000, 240
# The train split holds the levels 3:2:1 (easy:medium:hard): the tiny model has minutes to learn, best spent where
# it can become reliable; the hard level stays hard on purpose.
TRAIN_LEVEL_MIX = (1, 1, 1, 2, 2, 3)


def bundled_splits() -> dict[str, list[Problem]]:
    """The shipped `arith-train` / `arith-test` splits; train never repeats a test question."""
    test = generate(TEST_SIZE, seed=TEST_SEED)
    test_questions = {p.question for p in test}
    train: list[Problem] = []
    candidates = generate(TRAIN_SIZE * 2, seed=TRAIN_SEED, levels=TRAIN_LEVEL_MIX)
    train = [p for p in candidates if p.question not in test_questions][:TRAIN_SIZE]
    return {"arith-train": train, "arith-test": test}


def _write_bundled_splits() -> None:
    import json
    from pathlib import Path

    out = Path(__file__).parent / "data"
    out.mkdir(exist_ok=True)
    for name, problems in bundled_splits().items():
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for problem in problems:
                handle.write(json.dumps(problem.to_dict(), sort_keys=True) + "\n")
        print(f"wrote {len(problems)} problems to {out / name}.jsonl")


if __name__ == "__main__":  # python -m problems.synthetic  (re-creates problems/data/arith-*.jsonl)
    _write_bundled_splits()


# --- arithmetic fact drills ---------------------------------------------------------------------------------------


def arithmetic_facts() -> list[str]:
    """Every one-step fact the worked solutions use, written exactly as the solutions write them.

    The built-in model is pre-trained on these drills before its worked solutions: a tiny model learns the
    procedures (which digit to take next) quickly, but the fact tables only slowly from solutions alone.

    >>> facts = arithmetic_facts()
    >>> "7+8=15" in facts and "1*6+4=10" in facts and "15-9=6" in facts and "gcd(8,6)=2, so 8/6=4/3." in facts
    True
    """
    facts = []
    for a in range(10):
        for b in range(10):
            facts.append(f"{a}+{b}={a + b}")
            facts.append(f"{a}+{b}+1={a + b + 1}")
            facts.append(f"{a}*{b}={a * b}")
            facts += [f"{a}*{b}+{c}={a * b + c}" for c in range(1, 9)]
            if a >= b:
                facts.append(f"{a}-{b}={a - b}")
            if a - 1 >= b:
                facts.append(f"{a}-1-{b}={a - 1 - b}")
    for top in range(10, 19):  # borrow steps and one-digit linear equations
        facts += [f"{top}-{b}={top - b}" for b in range(top - 9, 10)]
    for a in range(1, 19):
        for b in range(2, 10):
            facts.append(f"gcd({a},{b})={gcd(a, b)}")
            facts.append(f"lcm({a},{b})={a * b // gcd(a, b)}" if a >= 2 and a <= 9 else f"gcd({b},{a})={gcd(a, b)}")
            facts.append(_reduce_line(a, b)[0])  # "gcd(8,6)=2, so 8/6=4/3."
    return facts
