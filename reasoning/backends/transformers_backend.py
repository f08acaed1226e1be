"""Hugging Face transformers backend: batched `generate` with a KV cache, on CPU or GPU.

Sampling is done by our own logits processor with a counter-based random stream per sequence, seeded per sample,
and `generate` itself runs greedy over the processor's one-hot output. That keeps a sample's random stream private:
the same (seed, problem, sample index) gives the same text whatever else shares its batch, and a resumed run
continues exactly where an uninterrupted one would have gone. The processor also records each chosen token's
log-probability under the sampling distribution.

Requests are sorted by prompt length and batched with left padding, so little compute goes to padding.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from reasoning.backends.base import BackendError, Completion, SampleRequest
from reasoning.config import SamplingConfig
from reasoning.prompts import render_prompt


_MASK64 = (1 << 64) - 1


def _to_signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


_GOLDEN = _to_signed(0x9E3779B97F4A7C15)
_MIX1 = _to_signed(0xBF58476D1CE4E5B9)
_MIX2 = _to_signed(0x94D049BB133111EB)


def _logical_shift(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Unsigned right shift on int64 tensors (torch's >> is arithmetic)."""
    return (x >> bits) & ((1 << (64 - bits)) - 1)


def counter_uniform(seeds: torch.Tensor, step: int) -> torch.Tensor:
    """One uniform in [0, 1) per row from splitmix64(seed, step): a counter-based RNG, vectorised over rows.

    Row i's value depends only on (seeds[i], step), never on the rest of the batch (int64 ops wrap like uint64).

    >>> u = counter_uniform(torch.tensor([1, 2, 1]), 0)
    >>> bool(u[0] == u[2]) and bool(u[0] != u[1]) and bool(((0 <= u) & (u < 1)).all())
    True
    """
    x = seeds + torch.full_like(seeds, step + 1) * _GOLDEN  # tensor ops wrap around; Python ints would not
    x = (x ^ _logical_shift(x, 30)) * _MIX1
    x = (x ^ _logical_shift(x, 27)) * _MIX2
    x = x ^ _logical_shift(x, 31)
    return _logical_shift(x, 11).to(torch.float64) / float(1 << 53)


class _SeededSampler:
    """A transformers logits processor that samples each row from its own counter-based random stream.

    Inverse-CDF sampling with `counter_uniform(seed, step)`: vectorised over the batch, and a row's draws depend only
    on its own seed and step, so batching and resuming change no sample.
    """

    def __init__(self, seeds: list[int], sampling: SamplingConfig, logprobs: bool = True) -> None:
        self.seeds = torch.tensor(seeds, dtype=torch.int64)  # (B,)
        self.sampling = sampling
        self.logprobs = logprobs
        self.step = 0
        self.chosen_logprobs: list[torch.Tensor] = []  # one (B,) tensor per step
        self.first_token_at: float | None = None  # first call = prefill done: time to first token

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        logits = scores.float()  # (B, V)
        sampling = self.sampling
        if sampling.temperature == 0:
            choice = logits.argmax(dim=-1)  # (B,)
        else:
            logits = logits / sampling.temperature
            if sampling.top_k:
                kth = torch.topk(logits, min(sampling.top_k, logits.shape[-1]), dim=-1).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            if sampling.top_p < 1.0:
                sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
                sorted_probs = torch.softmax(sorted_logits, dim=-1)
                drop_sorted = sorted_probs.cumsum(dim=-1) - sorted_probs > sampling.top_p
                logits = logits.masked_fill(drop_sorted.scatter(-1, order, drop_sorted), float("-inf"))
            cdf = torch.softmax(logits.double(), dim=-1).cumsum(dim=-1)  # (B, V)
            u = counter_uniform(self.seeds.to(cdf.device), self.step).unsqueeze(-1) * cdf[:, -1:]  # (B, 1)
            choice = torch.searchsorted(cdf, u).squeeze(-1).clamp_(max=logits.shape[-1] - 1)  # (B,)
        rows = torch.arange(scores.shape[0], device=scores.device)
        if self.logprobs:
            self.chosen_logprobs.append(torch.log_softmax(logits, dim=-1)[rows, choice].cpu())
        self.step += 1
        forced = torch.full_like(scores, float("-inf"))
        forced[rows, choice] = 0.0
        return forced

    def logprob_table(self, rows: int) -> list[list[float]]:
        """Per row, the log-probability of each chosen token (B lists of steps floats)."""
        if not self.chosen_logprobs:
            return [[] for _ in range(rows)]
        return torch.stack(self.chosen_logprobs, dim=1).tolist()  # (B, steps)


class TransformersBackend:
    """Loads a causal LM directory (or hub id) with `AutoModelForCausalLM` and samples from it."""

    name = "transformers"

    def __init__(
        self,
        model_path: str,
        *,
        batch_size: int = 64,
        static_cache: bool = True,
        device: str | None = None,
        logprobs: bool = True,
    ):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_path = str(model_path)
        self.batch_size = batch_size
        self.static_cache = static_cache
        self.logprobs = logprobs
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)
            self.model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype="auto").to(self.device)
        except (OSError, ValueError) as error:
            raise BackendError(f"cannot load model {self.model_path!r}: {' '.join(str(error).split())[:300]}") from error
        self.model.eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def render_prompt(self, question: str, *, system_prompt: str | None = None, think: bool = False) -> str:
        return render_prompt(self.tokenizer, question, system_prompt=system_prompt, think_prefix=think)

    def generate(self, requests: list[SampleRequest], sampling: SamplingConfig) -> list[Completion]:
        order = sorted(range(len(requests)), key=lambda i: len(requests[i].prompt))
        results: list[Completion | None] = [None] * len(requests)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for index, completion in zip(chunk, self._generate_batch([requests[i] for i in chunk], sampling)):
                results[index] = completion
        return [r for r in results if r is not None]

    def _generate_batch(self, requests: list[SampleRequest], sampling: SamplingConfig) -> list[Completion]:
        from transformers import LogitsProcessorList

        started = time.perf_counter()
        encoded = self.tokenizer(
            [r.prompt for r in requests], return_tensors="pt", padding=True, add_special_tokens=False
        ).to(self.device)
        sampler = _SeededSampler([r.seed for r in requests], sampling, self.logprobs)
        kwargs: dict[str, Any] = {}
        if sampling.stop:
            kwargs.update(stop_strings=list(sampling.stop), tokenizer=self.tokenizer)
        if self.static_cache:
            kwargs["cache_implementation"] = "static"
        try:
            with torch.inference_mode():
                output = self.model.generate(
                    **encoded,
                    do_sample=False,
                    max_new_tokens=sampling.max_tokens,
                    logits_processor=LogitsProcessorList([sampler]),
                    pad_token_id=self.tokenizer.pad_token_id,
                    eos_token_id=self.model.generation_config.eos_token_id or self.tokenizer.eos_token_id,
                    temperature=None,
                    top_p=None,
                    top_k=None,
                    **kwargs,
                )
        except torch.OutOfMemoryError as error:
            raise BackendError(f"out of memory generating {len(requests)} sequences; lower --batch-size") from error
        latency = time.perf_counter() - started
        ttft = (sampler.first_token_at or time.perf_counter()) - started
        generated = output[:, encoded["input_ids"].shape[1] :]  # (B, new tokens)
        logprobs = sampler.logprob_table(len(requests)) if self.logprobs else [None] * len(requests)
        return [
            self._completion(generated[row], logprobs[row], sampling, latency, ttft) for row in range(len(requests))
        ]

    def _completion(
        self, ids: torch.Tensor, logprobs: list[float] | None, sampling: SamplingConfig, latency: float, ttft: float
    ) -> Completion:
        eos_ids = self.model.generation_config.eos_token_id or self.tokenizer.eos_token_id
        eos_ids = set(eos_ids if isinstance(eos_ids, list) else [eos_ids])
        tokens: list[int] = []
        finish = "length"
        for token in ids.tolist():
            if token in eos_ids:
                finish = "stop"
                break
            if token == self.tokenizer.pad_token_id and token not in eos_ids:
                break
            tokens.append(token)
        text = self.tokenizer.decode(tokens, skip_special_tokens=True)
        for stop in sampling.stop:  # OpenAI semantics: the stop string ends the text and is not part of it
            if stop in text:
                text, finish = text[: text.index(stop)], "stop"
        return Completion(
            text=text,
            token_ids=tuple(tokens),
            finish_reason=finish,
            logprobs=None if logprobs is None else tuple(logprobs[: len(tokens)]),
            latency_s=latency,
            ttft_s=ttft,
        )


def model_fingerprint(model_path: str) -> str | None:
    """sha256 over a local model's config and weight files (None for hub ids), recorded in run manifests."""
    import hashlib

    path = Path(model_path)
    if not path.is_dir():
        return None
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.json")) + sorted(path.glob("*.safetensors")):
        digest.update(file.name.encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]
