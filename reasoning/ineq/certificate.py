"""Certificate documents: the problem, the substitution steps, and the final exact identity.

A certificate is plain JSON (see `checker.py` for the meaning of every field):

    {"format": "reasoning-ineq-certificate/1", "problem": {...}, "steps": [...], "method": "lp_hom",
     "proof": {"equality_multipliers": ["<poly>", ...], "terms": [{"kind": "amgm", "c": "1/2", ...}, ...]}}
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from reasoning.ineq.checker import FORMAT
from reasoning.ineq.finishers.common import PolyDict, add, poly_str
from reasoning.ineq.problem import Problem


def build_certificate(problem: Problem, steps: list[dict], names: tuple[str, ...], proof: dict,
                      method: str, extra_multipliers: list[PolyDict] | None = None,
                      n_equalities: int | None = None, multiplier: str = "1") -> dict:
    """Assemble the JSON document; `extra_multipliers` (from homogenisation) are added to the finisher's."""
    if "bounds" in proof:  # term bounds with nested certificates (checker._check_bounds)
        body = {"bounds": proof["bounds"], "rest": proof["rest"]}
        return {"format": FORMAT, "problem": problem.to_dict(), "steps": steps, "method": method, "proof": body}
    multipliers = list(proof.get("equality_multipliers", []))
    extra = extra_multipliers or []
    count = max(len(multipliers), len(extra)) if n_equalities is None else n_equalities
    combined = []
    for j in range(count):
        h: PolyDict = dict(multipliers[j]) if j < len(multipliers) else {}
        if j < len(extra):
            h = add(h, extra[j], Fraction(1))
        combined.append(poly_str(h, names))
    body = {"equality_multipliers": combined}
    if multiplier != "1":
        body["multiplier"] = multiplier
    if proof.get("buffalo"):
        body["buffalo"] = True
    else:
        body["terms"] = proof["terms"]
    return {"format": FORMAT, "problem": problem.to_dict(), "steps": steps, "method": method, "proof": body}


def save_certificate(cert: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(cert, indent=1) + "\n")


def load_certificate(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
