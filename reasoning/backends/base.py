"""The backend protocol: prompts and sampling settings in, completions out.

Every backend (transformers now; vLLM and OpenAI-compatible servers later) returns the same `Completion` records,
so the engine, the run files and the verifiers never care where text came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from reasoning.config import SamplingConfig


@dataclass(frozen=True)
class SampleRequest:
    """One completion to produce: a prompt and the seed of its private random stream."""

    prompt: str
    seed: int


@dataclass(frozen=True)
class Completion:
    text: str
    token_ids: tuple[int, ...]
    finish_reason: str  # "stop" (end of turn or a stop string) or "length" (hit max_tokens)
    logprobs: tuple[float, ...] | None = None  # per generated token, under the sampling distribution
    latency_s: float = 0.0  # wall time of the generation call that produced it
    ttft_s: float | None = None  # time to first token (prefill), where the backend can measure it

    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)


class Backend(Protocol):
    name: str
    model_path: str

    def generate(self, requests: list[SampleRequest], sampling: SamplingConfig) -> list[Completion]:
        """One completion per request, in order. `sampling.n` is ignored here: the engine makes n requests."""
        ...

    def render_prompt(self, question: str, *, system_prompt: str | None = None, think: bool = False) -> str:
        """The prompt text for a question, through the model's chat template."""
        ...


class BackendError(RuntimeError):
    """A backend failed (model cannot load, out of memory, server error); the message says what to do."""


def sample_seed(seed: int, problem_id: str, sample_index: int) -> int:
    """A 63-bit seed private to one sample, so samples do not depend on batching or on resume.

    >>> sample_seed(0, "p1", 0) == sample_seed(0, "p1", 0) != sample_seed(0, "p1", 1)
    True
    """
    import hashlib

    digest = hashlib.sha256(f"{seed}\x00{problem_id}\x00{sample_index}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
