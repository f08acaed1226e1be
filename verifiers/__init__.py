"""Answer extraction and judging: the one grader behind every score and every RL reward in the workbench.

Two phases: `extract_answer(completion)` finds the final answer; `verify(completion, gold)` judges it and returns a
frozen `Verdict` with a status (correct, incorrect, no_answer, unparseable, timeout, gold_error), the check that
decided, and what was compared. Symbolic checks run in worker processes with hard wall-clock limits, so hostile
model output can neither run code nor hang the caller. Nothing here imports torch or transformers, and the fast
path (integers, fractions, decimals, strings) does not import SymPy.

>>> verify("<think>...</think> The final answer is $\\\\frac{1}{2}$.", "0.5").correct
True
"""

from verifiers.api import answer_key, answers_equivalent, verify, verify_batch
from verifiers.extraction import extract_answer
from verifiers.rewards import compute_score, reward, trl_reward
from verifiers.routing import classify_gold, register_kind, registered_kinds
from verifiers.verdict import STATUSES, Extraction, Verdict

__all__ = [
    "Extraction",
    "STATUSES",
    "Verdict",
    "answer_key",
    "answers_equivalent",
    "classify_gold",
    "compute_score",
    "extract_answer",
    "register_kind",
    "registered_kinds",
    "reward",
    "trl_reward",
    "verify",
    "verify_batch",
]
