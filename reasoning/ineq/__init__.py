"""Olympiad-inequality prover: best-first search over substitutions and finishers (AM-GM/Schur LP, Buffalo Way,
SOS by SDP), every proof an exact certificate re-verified by an independent checker.

>>> from reasoning.ineq import Problem, prove, ProverConfig
>>> result = prove(Problem(id="ex", vars=("a", "b"), domain="real", goal="a^2 + b^2 >= 2*a*b"),
...                ProverConfig(timeout_s=20, counterexample_samples=200))
>>> result.status
'proved'
"""

from reasoning.ineq.checker import CheckResult, check_certificate
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.parse import ParseError, parse_math, parse_relation
from reasoning.ineq.problem import Problem, ProblemError, bundled_path, load_problems, parse_problem
from reasoning.ineq.search import ProofResult, prove

__all__ = [
    "CheckResult", "ParseError", "Problem", "ProblemError", "ProofResult", "ProverConfig", "bundled_path",
    "check_certificate", "load_problems", "parse_math", "parse_problem", "parse_relation", "prove",
]
