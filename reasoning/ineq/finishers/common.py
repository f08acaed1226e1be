"""Shared helpers for finishers: polynomials as {exponent tuple: Fraction}, monomial enumeration, exact solves.

>>> monomials(2, 2)
[(0, 0), (0, 1), (1, 0), (0, 2), (1, 1), (2, 0)]
>>> solve_exact([[Fraction(1), Fraction(1)], [Fraction(1), Fraction(-1)]], [Fraction(3), Fraction(1)])
[Fraction(2, 1), Fraction(1, 1)]
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

Exps = tuple[int, ...]
PolyDict = dict[Exps, Fraction]


class DeadlineReached(Exception):
    """A finisher stopped because the search's time limit came, not because the goal resisted it."""


@dataclass(frozen=True)
class Goal:
    """What a finisher must prove: poly(vars) >= 0 given equalities (= 0) and inequalities (>= 0)."""

    names: tuple[str, ...]
    domains: tuple[str, ...]
    poly: PolyDict
    equalities: tuple[PolyDict, ...] = ()
    inequalities: tuple[PolyDict, ...] = ()
    strict: bool = False
    ineq_strict: tuple[bool, ...] = field(default=())

    @property
    def nvars(self) -> int:
        return len(self.names)

    @property
    def nonneg(self) -> tuple[bool, ...]:
        return tuple(d != "real" for d in self.domains)


def to_dict(poly: sp.Poly) -> PolyDict:
    return {tuple(m): Fraction(int(c.p), int(c.q)) for m, c in poly.terms() if c != 0}


def degree(p: PolyDict) -> int:
    return max((sum(m) for m in p), default=0)


def is_homogeneous(p: PolyDict) -> bool:
    return len({sum(m) for m in p}) <= 1


def add(p: PolyDict, q: PolyDict, scale: Fraction = Fraction(1)) -> PolyDict:
    out = dict(p)
    for m, c in q.items():
        v = out.get(m, Fraction(0)) + scale * c
        if v:
            out[m] = v
        else:
            out.pop(m, None)
    return out


def mul(p: PolyDict, q: PolyDict) -> PolyDict:
    out: PolyDict = {}
    for (m1, c1), (m2, c2) in itertools.product(p.items(), q.items()):
        m = tuple(a + b for a, b in zip(m1, m2))
        out[m] = out.get(m, Fraction(0)) + c1 * c2
    return {m: c for m, c in out.items() if c}


def power(p: PolyDict, k: int, n: int) -> PolyDict:
    out: PolyDict = {(0,) * n: Fraction(1)}
    for _ in range(k):
        out = mul(out, p)
    return out


def monomials(n: int, max_degree: int, min_degree: int = 0) -> list[Exps]:
    """All exponent tuples in n variables with degree in [min_degree, max_degree], by degree."""
    out: list[Exps] = []
    for d in range(min_degree, max_degree + 1):
        combos = itertools.combinations_with_replacement(range(n), d)
        out.extend(sorted({tuple(c.count(i) for i in range(n)) for c in combos}))
    return out


def count_monomials(n: int, max_degree: int) -> int:
    """len(monomials(n, max_degree)) without building them (the list has about 2.4 million entries at degree 243)."""
    return math.comb(n + max_degree, n)


def poly_str(p: PolyDict, names: tuple[str, ...]) -> str:
    """A polynomial as text the safe parser reads back."""
    parts = []
    for m, c in sorted(p.items()):
        factors = [f"{n}**{e}" if e > 1 else n for n, e in zip(names, m) if e]
        parts.append("*".join([f"({c})"] + factors))
    return " + ".join(parts) if parts else "0"


def mono_mult(m: Exps, names: tuple[str, ...]) -> dict[str, int]:
    return {n: e for n, e in zip(names, m) if e}


SPARSE_SOLVE_ENTRIES = 2500  # systems with more matrix entries than this go to the sparse exact solver


def solve_exact(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Solve rows @ x = rhs exactly (Gauss-Jordan); free unknowns set to 0; None if inconsistent.

    The answer is read off the reduced row echelon form, which is unique: large systems (the LP finisher's exact
    vertex, a few hundred sparse rows and columns) use sympy's sparse RREF over QQ with the same result, where the
    dense Fraction loop below took ~20 s on a 241 x 227 system; small ones (AM-GM weights) stay here, faster."""
    ncols = len(rows[0]) if rows else 0
    if len(rows) * ncols > SPARSE_SOLVE_ENTRIES:
        return _solve_exact_sparse(rows, rhs, ncols)
    aug = [list(r) + [b] for r, b in zip(rows, rhs)]
    pivots, r = [], 0
    for col in range(ncols):
        pivot = next((i for i in range(r, len(aug)) if aug[i][col] != 0), None)
        if pivot is None:
            continue
        aug[r], aug[pivot] = aug[pivot], aug[r]
        inv = 1 / aug[r][col]
        aug[r] = [v * inv for v in aug[r]]
        for i in range(len(aug)):
            if i != r and aug[i][col] != 0:
                f = aug[i][col]
                aug[i] = [a - f * b for a, b in zip(aug[i], aug[r])]
        pivots.append(col)
        r += 1
        if r == len(aug):
            break
    if any(all(v == 0 for v in row[:-1]) and row[-1] != 0 for row in aug):
        return None
    x = [Fraction(0)] * ncols
    for i, col in enumerate(pivots):
        x[col] = aug[i][-1]
    return x


def _solve_exact_sparse(rows: list[list[Fraction]], rhs: list[Fraction], ncols: int) -> list[Fraction] | None:
    """`solve_exact` by the sparse reduced row echelon form of [rows | rhs] (sympy DomainMatrix over QQ)."""
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    data: dict[int, dict[int, object]] = {}
    for i, (row, b) in enumerate(zip(rows, rhs)):
        entries = {j: QQ(v.numerator, v.denominator) for j, v in enumerate(row) if v}
        if b:
            entries[ncols] = QQ(b.numerator, b.denominator)
        if entries:
            data[i] = entries
    reduced, pivots = DomainMatrix(data, (len(rows), ncols + 1), QQ).rref()
    if pivots and pivots[-1] == ncols:  # a pivot in the right-hand side: 0 = nonzero, inconsistent
        return None
    rep = reduced.to_sdm()
    x = [Fraction(0)] * ncols
    for i, col in enumerate(pivots):
        v = rep.get(i, {}).get(ncols)
        if v:
            x[col] = Fraction(int(v.numerator), int(v.denominator))
    return x
