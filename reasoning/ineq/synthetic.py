"""Synthetic training problems for the learned policy: known-true inequalities rewritten by truth-preserving moves.

The bundled training split has ~90 problems, too few for the policy to learn when a rare step (inverting every
variable, a Ravi substitution, a constraint multiplier) is the one that works. As in AIPS (Wei et al., 2024), more
training problems come from rewriting true ones: each move below maps a true statement to a true statement, so a
synthetic problem is true whenever its seed is (and the search's counterexample check guards the rest). Seeds are
the problems given, in practice the training split only, so the held-out split never reaches the policy.

Moves (a problem gets one or two; each says on which problems it applies):
- `invert`: x -> 1/x for every variable (positive domain); the constraints are rewritten too.
- `square`: x -> x^2 (positive or nonnegative domain; a bijection there).
- `root`: x -> sqrt(x) (positive or nonnegative domain): radicals.
- `stretch`: one variable x -> k x with k in {2, 3, 1/2}: unequal coefficients, equality cases off the diagonal.
- `shear`: x_i -> x_i + x_j (real domain, no constraints; an invertible linear map): cross terms.
- `triangle`: 3 positive variables x, y, z -> (b+c-a)/2, (c+a-b)/2, (a+b-c)/2 over triangle sides a, b, c (the
  inverse of Ravi's substitution).
- `normalize`: a homogeneous goal of degree d gets a + b + ... = n or abc... = 1 and one side multiplied by
  (that side's normaliser)^k (equal to 1 under the constraint): an inhomogeneous goal the constraint re-homogenises.
- `cyclic_sum`: the goal plus its images under one cyclic shift of the variables (unconstrained goals; the sum of
  true inequalities).
- `times_sum`: both sides times x1 + ... + xn (positive domain).
"""

from __future__ import annotations

import random
from dataclasses import replace

import sympy as sp

from reasoning.ineq.problem import Problem

_MAX_OPS = 60  # keep statements printable and the search's parse cheap


def _relation(lhs: sp.Expr, op: str, rhs: sp.Expr) -> str:
    return f"{sp.sstr(lhs)} {op} {sp.sstr(rhs)}"


def _constraint_texts(parsed, substitute) -> list[str]:
    texts = [_relation(substitute(e), "=", sp.Integer(0)) for e in parsed.equalities]
    texts += [_relation(substitute(g), ">" if strict else ">=", sp.Integer(0)) for g, strict in parsed.inequalities]
    return texts


def _substituted(problem: Problem, mapping: dict[str, sp.Expr], extra: tuple[str, ...] = ()) -> Problem:
    """The problem with each variable named in `mapping` replaced by its expression, constraints included."""
    parsed = problem.parse()
    symbols = dict(zip(problem.vars, parsed.symbols))
    subs = {symbols[name]: value for name, value in mapping.items()}

    def substitute(e: sp.Expr) -> sp.Expr:
        return e.xreplace(subs)

    return replace(problem, goal=_relation(substitute(parsed.lhs), parsed.goal_op, substitute(parsed.rhs)),
                   constraints=tuple(_constraint_texts(parsed, substitute)) + extra)


def _positive(problem: Problem) -> bool:
    return problem.domain in ("positive", "nonnegative")


def invert(problem: Problem, rng: random.Random) -> Problem | None:
    if problem.domain != "positive":
        return None
    s = problem.symbol_map()
    return _substituted(problem, {n: 1 / s[n] for n in problem.vars})


def square(problem: Problem, rng: random.Random) -> Problem | None:
    if not _positive(problem):
        return None
    s = problem.symbol_map()
    return _substituted(problem, {n: s[n] ** 2 for n in problem.vars})


def root(problem: Problem, rng: random.Random) -> Problem | None:
    if not _positive(problem):
        return None
    s = problem.symbol_map()
    return _substituted(problem, {n: sp.sqrt(s[n]) for n in problem.vars})


def stretch(problem: Problem, rng: random.Random) -> Problem | None:
    s = problem.symbol_map()
    name = rng.choice(problem.vars)
    return _substituted(problem, {name: rng.choice((2, 3, sp.Rational(1, 2))) * s[name]})


def shear(problem: Problem, rng: random.Random) -> Problem | None:
    if problem.domain != "real" or problem.constraints or len(problem.vars) < 2:
        return None
    s = problem.symbol_map()
    i, j = rng.sample(problem.vars, 2)
    return _substituted(problem, {i: s[i] + rng.choice((1, -1)) * s[j]})


def triangle(problem: Problem, rng: random.Random) -> Problem | None:
    if problem.domain != "positive" or len(problem.vars) != 3 or problem.constraints:
        return None
    a, b, c = (problem.symbol_map()[n] for n in problem.vars)
    x, y, z = problem.vars
    sides = (f"{x} < {y} + {z}", f"{y} < {z} + {x}", f"{z} < {x} + {y}")
    return _substituted(problem, {x: (b + c - a) / 2, y: (c + a - b) / 2, z: (a + b - c) / 2}, extra=sides)


def normalize(problem: Problem, rng: random.Random) -> Problem | None:
    if not _positive(problem) or problem.constraints:
        return None
    parsed = problem.parse()
    goal = sp.together(parsed.goal_expr)
    if not goal.is_polynomial(*parsed.symbols):
        return None
    poly = sp.Poly(sp.expand(goal), *parsed.symbols)
    if not poly.is_homogeneous or poly.total_degree() < 1:
        return None
    n = len(parsed.symbols)
    if rng.random() < 0.5 or problem.domain != "positive":
        unit, text = sp.Add(*parsed.symbols) / n, f"{' + '.join(problem.vars)} = {n}"
    else:
        unit, text = sp.Mul(*parsed.symbols), f"{'*'.join(problem.vars)} = 1"
    factor = unit ** rng.choice((1, 2))
    lhs, rhs = parsed.lhs, parsed.rhs
    if rng.random() < 0.5:
        lhs = sp.expand(lhs * factor)
    else:
        rhs = sp.expand(rhs * factor)
    return replace(problem, goal=_relation(lhs, parsed.goal_op, rhs), constraints=(text,))


def cyclic_sum(problem: Problem, rng: random.Random) -> Problem | None:
    if problem.constraints or len(problem.vars) < 2:
        return None
    parsed = problem.parse()
    shift = dict(zip(parsed.symbols, parsed.symbols[1:] + parsed.symbols[:1]))
    lhs, rhs = parsed.lhs, parsed.rhs
    return replace(problem, goal=_relation(lhs + lhs.xreplace(shift), parsed.goal_op, rhs + rhs.xreplace(shift)))


def times_sum(problem: Problem, rng: random.Random) -> Problem | None:
    if problem.domain != "positive":
        return None
    parsed = problem.parse()
    total = sp.Add(*parsed.symbols)
    return replace(problem, goal=_relation(parsed.lhs * total, parsed.goal_op, parsed.rhs * total))


MOVES = {"invert": invert, "square": square, "root": root, "stretch": stretch, "shear": shear,
         "triangle": triangle, "normalize": normalize, "cyclic_sum": cyclic_sum, "times_sum": times_sum}


def _key(problem: Problem, parsed) -> tuple:
    """The statement as SymPy prints it: equal for a seed and a rewrite that gives the seed back (inverting
    (a + b)(1/a + 1/b) >= 4)."""
    return (problem.domain, parsed.strict, sp.sstr(sp.expand(parsed.goal_expr)),
            tuple(sorted(sp.sstr(e) for e in parsed.equalities)),
            tuple(sorted((sp.sstr(g), strict) for g, strict in parsed.inequalities)))


def synthesize(seeds: list[Problem], count: int, seed: int = 0, max_moves: int = 2) -> list[Problem]:
    """`count` distinct problems, each a seed rewritten by 1..max_moves moves (deterministic for a given seed)."""
    rng = random.Random(seed)
    out: list[Problem] = []
    seen = {_key(p, p.parse()) for p in seeds}
    attempts = 0
    while len(out) < count and attempts < 50 * count:
        attempts += 1
        base = rng.choice(seeds)
        problem, names = base, []
        for _ in range(rng.randint(1, max_moves)):
            for name in rng.sample(sorted(MOVES), len(MOVES)):  # the first move that applies, in random order
                moved = MOVES[name](problem, rng)
                if moved is not None:
                    problem, names = moved, names + [name]
                    break
        if not names:
            continue
        parsed = problem.parse()
        key = _key(problem, parsed)
        if sp.count_ops(parsed.goal_expr) > _MAX_OPS or key in seen:
            continue
        seen.add(key)
        out.append(replace(problem, id=f"syn{len(out)}_{base.id}_{'_'.join(names)}",
                           source=f"synthetic: {base.id} rewritten by {', '.join(names)}"))
    return out
