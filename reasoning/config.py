"""Config dataclasses for sampling and for `solve` runs; every CLI flag maps onto one field here.

Cross-field checks live in `__post_init__` and raise `ConfigError` with a message that states the fix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class ConfigError(ValueError):
    """An invalid configuration; the message says which field and how to fix it."""


@dataclass(frozen=True)
class SamplingConfig:
    """How completions are sampled from a model."""

    n: int = 8  # completions per problem
    temperature: float = 0.8  # 0 means greedy decoding (deterministic, and then n > 1 repeats one answer)
    top_p: float = 1.0  # nucleus sampling mass; 1 disables it
    top_k: int = 0  # keep only the k most likely tokens; 0 disables it
    max_tokens: int = 512  # generated-token budget per completion
    seed: int = 0  # every sample's random stream derives from (seed, problem id, sample index)
    stop: tuple[str, ...] = ()  # extra stop strings (the model's end-of-turn token always stops)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ConfigError(f"n must be at least 1, got {self.n}")
        if self.temperature < 0:
            raise ConfigError(f"temperature must be >= 0 (0 = greedy), got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0 (0 = off), got {self.top_k}")
        if self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {self.max_tokens}")


@dataclass(frozen=True)
class SolveConfig:
    """One `reasoning solve` run: which problems, which model, how to sample, where to write."""

    source: str  # problem file or bundled set name (e.g. arith-test)
    model: str | None = None  # local HF model directory or hub id; None = the built-in model (bootstrapped on first use)
    backend: str = "transformers"  # generation backend: auto, transformers, vllm or openai
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    batch_size: int = 64  # sequences generated together (problems x samples)
    out: str | None = None  # run directory; default runs/<time>-<source>-<model>
    resume: bool = False  # continue the run in `out`, keeping finished samples
    limit: int | None = None  # only the first `limit` problems
    question_field: str | None = None  # for problem files with unusual schemas
    answer_field: str | None = None
    id_field: str | None = None
    skip_bad: bool = False  # skip (and count) malformed problem rows instead of stopping
    system_prompt: str | None = None  # optional system message
    think: bool = False  # open an R1-style <think> block in the prompt
    verify_timeout: float = 5.0  # seconds per verification
    effort: str | None = None  # named token budget (low/medium/high, see reasoning.budget); recorded in the manifest
    force_answer: bool = True  # budget forcing: a sample cut off without an answer is asked for its final answer
    answer_tokens: int = 32  # token budget of that forced final-answer continuation
    scorer: str | None = None  # weighted vote / best-of-n scorer: oracle, rm:PATH or fn:MODULE:FUNCTION
    base_urls: tuple[str, ...] = ()  # openai backend: server URLs (.../v1); requests spread across all of them
    served_model: str | None = None  # openai backend: model name the server knows (default: the --model value)
    openai_chat: bool = False  # openai backend: use /v1/chat/completions instead of rendering the prompt locally
    concurrency: int | None = None  # openai backend: requests in flight per server
    max_retries: int | None = None  # openai backend: retries of a failed request (with back-off)
    stream: bool = False  # openai backend: stream responses, which is what lets it record time to first token
    tensor_parallel_size: int | None = None  # vllm backend: GPUs per model replica
    gpu_memory_utilization: float | None = None  # vllm backend: fraction of GPU memory it may take
    max_model_len: int | None = None  # vllm backend: context length to reserve
    # Per-token log-probabilities, summed per sample into `logprob_sum`/`logprob_mean`. Off by default: vLLM
    # spends about a third of its throughput computing them (benchmarks/engine_throughput.py).
    logprobs: bool = False

    def __post_init__(self) -> None:
        from reasoning.budget import EFFORT_TOKENS

        if self.effort is not None and self.effort not in EFFORT_TOKENS:
            raise ConfigError(f"effort must be one of {', '.join(EFFORT_TOKENS)}, got {self.effort!r}")
        if self.answer_tokens < 1:
            raise ConfigError(f"answer_tokens must be at least 1, got {self.answer_tokens}")
        from reasoning.backends.registry import BACKEND_NAMES

        if self.backend not in BACKEND_NAMES:
            raise ConfigError(f"backend {self.backend!r} is unknown; use --backend {'|'.join(BACKEND_NAMES)}")
        if self.backend == "openai" and not self.base_urls:
            raise ConfigError("--backend openai needs --base-url URL (repeat it for several servers)")
        if self.backend != "openai" and (self.base_urls or self.served_model or self.openai_chat):
            raise ConfigError("--base-url, --served-model and --openai-chat go with --backend openai")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.resume and not self.out:
            raise ConfigError("--resume needs --out RUN_DIR naming the run to continue")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"limit must be at least 1, got {self.limit}")
        if self.verify_timeout <= 0:
            raise ConfigError(f"verify_timeout must be positive, got {self.verify_timeout}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
