"""Shared fixtures: a real (very small, briefly trained) model built with the same code as the built-in one."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasoning.tiny_model import BootstrapConfig, ensure_builtin_model

# Small enough to train in seconds on 2 cores; real weights, tokenizer and chat template all the same.
TEST_MODEL_CONFIG = BootstrapConfig(
    hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128, batch_size=16, steps=40, warmup_steps=5,
    drill_sequences=100,
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return ensure_builtin_model(TEST_MODEL_CONFIG, tmp_path_factory.mktemp("cache"), progress=False)


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir):
    from reasoning.backends.transformers_backend import TransformersBackend

    return TransformersBackend(str(tiny_model_dir), batch_size=16)
