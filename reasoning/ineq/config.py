"""The prover's one config dataclass; CLI flags map one-to-one onto its fields.

>>> ProverConfig(timeout_s=5).policy
'tuned'
>>> ProverConfig(policy="learned", policy_path="")
Traceback (most recent call last):
...
ValueError: policy='learned' needs policy_path (a file written by `reasoning ineq train-policy`); set policy_path or use policy='tuned'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

FINISHERS = ("lp", "buffalo", "sos")
POLICIES = ("tuned", "heuristic", "learned")


@dataclass(frozen=True)
class ProverConfig:
    timeout_s: float = 60.0
    """Wall-clock budget per problem (seconds); the search stops starting new actions after it."""
    max_nodes: int = 64
    """Most actions (finisher attempts or substitutions) tried per problem."""
    max_depth: int = 3
    """Most substitution macros on one branch."""
    finishers: tuple[str, ...] = FINISHERS
    """Finishers allowed, a subset of ('lp', 'buffalo', 'sos')."""
    policy: str = "tuned"
    """How actions are ranked: 'tuned' (hand-tuned action costs), 'heuristic' (generic costs and goal features
    only: the baseline a learned policy is measured against) or 'learned' (small network from policy_path)."""
    policy_path: str = ""
    """Weights file for policy='learned'."""
    counterexample_samples: int = 3000
    """Random points tried for a counterexample before searching (0 disables the check)."""
    sos_max_degree: int = 8
    """Largest goal degree handed to the SDP finisher (the Gram matrix grows fast with it)."""
    check: bool = True
    """Re-verify every certificate with the independent checker before reporting 'proved'."""
    seed: int = 0
    """Seed for the counterexample search."""
    explore: bool = False
    """Keep searching after the first proof until the frontier, max_nodes or the time limit ends, so the trace
    labels every action tried (training data for the learned policy); the result is still the first proof."""

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}; pass e.g. --timeout 60")
        if self.max_nodes < 1 or self.max_depth < 0:
            raise ValueError("max_nodes must be >= 1 and max_depth >= 0")
        unknown = set(self.finishers) - set(FINISHERS)
        if unknown or not self.finishers:
            raise ValueError(f"finishers must be a non-empty subset of {FINISHERS}, got {self.finishers}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, got {self.policy!r}")
        if self.policy == "learned" and not self.policy_path:
            raise ValueError("policy='learned' needs policy_path (a file written by `reasoning ineq "
                             "train-policy`); set policy_path or use policy='tuned'")
        if self.counterexample_samples < 0:
            raise ValueError("counterexample_samples must be >= 0")
        if self.sos_max_degree < 2:
            raise ValueError("sos_max_degree must be >= 2")

    def to_dict(self) -> dict:
        return asdict(self)
