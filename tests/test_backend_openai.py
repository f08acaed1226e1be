"""The openai backend against real HTTP servers: `reasoning serve`'s server on the tiny model, plus a dead port, a
server that answers nonsense and a proxy that fails on purpose (for the failure paths only a misbehaving server
can show). No mocks: every request crosses a loopback socket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reasoning.backends.base import BackendError, SampleRequest
from reasoning.backends.openai_backend import OpenAIBackend, ServerError
from reasoning.backends.registry import make_backend, resolve_backend_name
from reasoning.config import ConfigError, SamplingConfig
from reasoning.serve import ModelServer

SAMPLING = SamplingConfig(temperature=0.8, top_p=0.95, max_tokens=24)
QUESTIONS = ("What is 12 + 7?", "Compute 3 * 14.")
FAST_RETRY = {"backoff_s": 0.02, "max_backoff_s": 0.1}


def dead_url() -> str:
    """A loopback URL with nothing listening (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="module")
def server(tiny_model_dir):
    from reasoning.backends.transformers_backend import TransformersBackend

    with ModelServer(TransformersBackend(str(tiny_model_dir), batch_size=16)) as running:
        yield running


@pytest.fixture(scope="module")
def requests_and_reference(tiny_backend):
    """Requests over two prompts and three seeds, and what the transformers backend makes of them in-process."""
    prompts = [tiny_backend.render_prompt(q) for q in QUESTIONS]
    requests = [SampleRequest(p, seed) for p in prompts for seed in (1, 2, 3)]
    return requests, tiny_backend.generate(requests, SAMPLING)


def assert_same_samples(got, want) -> None:
    assert [c.text for c in got] == [c.text for c in want]
    assert [c.token_ids for c in got] == [c.token_ids for c in want]
    assert [c.finish_reason for c in got] == [c.finish_reason for c in want]
    for a, b in zip(got, want):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-4)


def test_same_seed_same_text_as_the_transformers_backend(server, tiny_model_dir, requests_and_reference):
    requests, reference = requests_and_reference
    client = OpenAIBackend(str(tiny_model_dir), base_urls=server.url, concurrency=4)
    assert client.render_prompt(QUESTIONS[0]) == requests[0].prompt
    got = client.generate(requests, SAMPLING)
    assert_same_samples(got, reference)
    assert client.served_model == server.model_name  # discovered from /v1/models
    assert max(server.batcher.batch_sizes) > 1  # concurrent requests were batched on the server


def test_greedy_ignores_the_seed_and_stop_strings_cut_the_text(server, tiny_model_dir, tiny_backend):
    client = OpenAIBackend(str(tiny_model_dir), base_urls=[server.url])
    prompt = client.render_prompt(QUESTIONS[0])
    greedy = SamplingConfig(temperature=0, max_tokens=24)
    texts = {c.text for c in client.generate([SampleRequest(prompt, s) for s in (5, 6)], greedy)}
    assert texts == {tiny_backend.generate([SampleRequest(prompt, 0)], greedy)[0].text}
    text = texts.pop()
    stop = text[len(text) // 2 : len(text) // 2 + 2]
    if stop.strip():
        cut = client.generate([SampleRequest(prompt, 0)], SamplingConfig(temperature=0, max_tokens=24, stop=(stop,)))
        assert cut[0].text == text[: text.index(stop)] and cut[0].finish_reason == "stop"


def test_chat_endpoint_gives_the_same_samples(server, tiny_model_dir, requests_and_reference):
    requests, reference = requests_and_reference
    client = OpenAIBackend(str(tiny_model_dir), base_urls=server.url, chat=True)
    prompts = [client.render_prompt(q) for q in QUESTIONS]
    assert prompts[0] == requests[0].prompt  # the record shows the text the server's template renders
    chat_requests = [SampleRequest(p, seed) for p in prompts for seed in (1, 2, 3)]
    assert_same_samples(client.generate(chat_requests, SAMPLING), reference)


@pytest.mark.parametrize("chat", [False, True])
def test_streamed_responses_give_the_same_samples_and_a_time_to_first_token(
    server, tiny_model_dir, requests_and_reference, chat
):
    requests, reference = requests_and_reference
    client = OpenAIBackend(str(tiny_model_dir), base_urls=server.url, chat=chat, stream=True)
    got = client.generate([SampleRequest(client.render_prompt(q), r.seed) for q in QUESTIONS for r in requests[:3]],
                          SAMPLING)
    assert_same_samples(got, reference)
    assert all(c.ttft_s is not None and 0 < c.ttft_s <= c.latency_s for c in got)
    plain = OpenAIBackend(str(tiny_model_dir), base_urls=server.url, chat=chat)
    assert all(c.ttft_s is None for c in plain.generate(requests[:1], SAMPLING))  # nothing to time without a stream


def test_a_torn_stream_is_retried_and_a_malformed_event_is_not(tiny_model_dir):
    event = b'data: {"choices": [{"index": 0, "text": "4", "finish_reason": null}]}\n\n'
    done = b'data: {"choices": [{"index": 0, "text": "2", "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n'
    torn_once = _ScriptedServer(lambda count, body: (200, event + (done if count > 1 else b""), "text/event-stream"))
    garbled = _ScriptedServer(lambda count, body: (200, event + b"data: {not json\n\n", "text/event-stream"))
    try:
        client = OpenAIBackend(str(tiny_model_dir), base_urls=torn_once.url, served_model="m", stream=True,
                               **FAST_RETRY)
        [completion] = client.generate([SampleRequest("x", 0)], SAMPLING)
        assert (completion.text, completion.finish_reason, torn_once.count) == ("42", "stop", 2)
        client = OpenAIBackend(str(tiny_model_dir), base_urls=garbled.url, served_model="m", stream=True,
                               **FAST_RETRY)
        with pytest.raises(ServerError, match="malformed event in the stream"):
            client.generate([SampleRequest("x", 0)], SAMPLING)
        assert garbled.count == 1
    finally:
        torn_once.close()
        garbled.close()


def test_work_spreads_over_servers_and_skips_a_dead_one(tiny_model_dir, requests_and_reference, server):
    from reasoning.backends.transformers_backend import TransformersBackend

    requests, reference = requests_and_reference
    with ModelServer(TransformersBackend(str(tiny_model_dir), batch_size=16)) as second:
        client = OpenAIBackend(
            str(tiny_model_dir), base_urls=[dead_url(), server.url, second.url], concurrency=2, **FAST_RETRY
        )
        got = client.generate(requests, SAMPLING)
    assert_same_samples(got, reference)
    answered = {s.url: s.answered for s in client.servers}
    assert answered[server.url] > 0 and answered[second.url] > 0
    assert sum(answered.values()) == len(requests) + 1  # every sample once, plus the /models look-up
    dead = client.servers[0]
    assert dead.answered == 0 and dead.failures >= 1 and "ConnectionRefusedError" in dead.last_error


def test_all_servers_down_is_one_clear_error(tiny_model_dir):
    urls = [dead_url(), dead_url()]
    client = OpenAIBackend(str(tiny_model_dir), base_urls=urls, max_retries=3, **FAST_RETRY)
    started = time.perf_counter()
    with pytest.raises(ServerError) as caught:
        client.generate([SampleRequest("x", 0)], SAMPLING)
    message = str(caught.value)
    assert "no server answered" in message and all(url in message for url in urls)
    assert "reasoning serve" in message  # says how to fix it
    assert time.perf_counter() - started < 5


class _ScriptedServer:
    """A real HTTP server whose POST answers come from `respond(count, body) -> (status, bytes[, content type])`."""

    def __init__(self, respond) -> None:
        outer = self
        self.count = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.count += 1
                status, data, *kind = respond(outer.count, body)
                self.send_response(status)
                self.send_header("Content-Type", kind[0] if kind else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _forward(url: str, path: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url + path, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read()


@pytest.mark.parametrize(
    "answer, expected",
    [(b"<html>Bad Gateway</html>", "not a JSON object"), (b'{"object": "text_completion"}', "no choices[0] text")],
)
def test_a_malformed_response_is_reported_and_not_retried(tiny_model_dir, answer, expected):
    scripted = _ScriptedServer(lambda count, body: (200, answer))
    try:
        client = OpenAIBackend(str(tiny_model_dir), base_urls=scripted.url, served_model="m", **FAST_RETRY)
        with pytest.raises(ServerError, match="malformed response") as caught:
            client.generate([SampleRequest("x", 0)], SAMPLING)
        assert expected in str(caught.value) and scripted.count == 1
    finally:
        scripted.close()


def test_overload_and_server_errors_are_retried_with_backoff(server, tiny_model_dir, requests_and_reference):
    requests, reference = requests_and_reference
    # The first two attempts get 503 and 429; after that the proxy forwards to the real server.
    statuses = {1: 503, 2: 429}

    def respond(count, body):
        if count in statuses:
            return statuses[count], b'{"error": {"message": "busy"}}'
        return _forward(server.url, "/completions", body)

    proxy = _ScriptedServer(respond)
    try:
        client = OpenAIBackend(
            str(tiny_model_dir), base_urls=proxy.url, served_model=server.model_name, concurrency=1, **FAST_RETRY
        )
        started = time.perf_counter()
        got = client.generate(requests[:2], SAMPLING)
        assert time.perf_counter() - started >= FAST_RETRY["backoff_s"] * 3  # waited 1x then 2x the back-off
    finally:
        proxy.close()
    assert_same_samples(got, reference[:2])
    assert proxy.count == 2 + 2


def test_a_failing_request_keeps_the_finished_ones(server, tiny_model_dir, requests_and_reference):
    requests, reference = requests_and_reference

    def respond(count, body):
        if json.loads(body)["seed"] == requests[2].seed and json.loads(body)["prompt"] == requests[2].prompt:
            return 400, b'{"error": {"message": "prompt rejected by policy"}}'
        return _forward(server.url, "/completions", body)

    proxy = _ScriptedServer(respond)
    try:
        client = OpenAIBackend(
            str(tiny_model_dir), base_urls=proxy.url, served_model=server.model_name, concurrency=1, **FAST_RETRY
        )
        with pytest.raises(ServerError) as caught:
            client.generate(requests, SAMPLING)
    finally:
        proxy.close()
    error = caught.value
    assert "HTTP 400: prompt rejected by policy" in str(error) and "2 of 6 samples finished" in str(error)
    assert sorted(error.completed) == [0, 1]
    assert_same_samples([error.completed[0], error.completed[1]], reference[:2])
    assert proxy.count == 3  # a 400 is not retried


def test_server_errors_reach_the_caller_verbatim(server, tiny_model_dir):
    client = OpenAIBackend(str(tiny_model_dir), base_urls=server.url, served_model="other-model")
    with pytest.raises(ServerError, match="HTTP 404: The model `other-model` does not exist"):
        client.generate([SampleRequest("x", 0)], SAMPLING)
    client = OpenAIBackend(str(tiny_model_dir), base_urls=server.url)
    with pytest.raises(ServerError, match="maximum context length"):
        client.generate([SampleRequest("x", 0)], SamplingConfig(max_tokens=100_000))


def test_registry_builds_backends_and_says_what_is_missing(server, tiny_model_dir):
    backend = make_backend("openai", str(tiny_model_dir), base_urls=[server.url], batch_size=64, api_key=None)
    assert backend.name == "openai"
    with pytest.raises(ConfigError, match="does not take tensor_parallel_size"):
        make_backend("openai", str(tiny_model_dir), base_urls=[server.url], tensor_parallel_size=2)
    with pytest.raises(ConfigError, match="needs at least one --base-url"):
        make_backend("openai", str(tiny_model_dir))
    with pytest.raises(ConfigError, match="choose one of auto, transformers, vllm, openai"):
        make_backend("tgi", str(tiny_model_dir))
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(BackendError, match=r"pip install 'reasoning-workbench\[vllm\]'"):
            make_backend("vllm", str(tiny_model_dir))
        assert resolve_backend_name("auto") == "transformers"


def test_solve_through_a_server_writes_the_same_run(server, tiny_model_dir, tmp_path, tiny_backend):
    from reasoning.config import SolveConfig
    from reasoning.solve import solve

    sampling = SamplingConfig(n=2, temperature=0.8, max_tokens=24, seed=3)
    records = []
    for name, backend in (("local", tiny_backend), ("http", OpenAIBackend(str(tiny_model_dir), base_urls=server.url))):
        config = SolveConfig(source="arith-test", limit=2, sampling=sampling, out=str(tmp_path / name))
        solve(config, progress=False, backend=backend)
        rows = [json.loads(line) for line in (tmp_path / name / "samples.jsonl").read_text().splitlines()]
        records.append(sorted((r["problem_id"], r["sample_index"], r["completion"], r["num_tokens"]) for r in rows))
    assert records[0] == records[1] and len(records[0]) == 4


def test_serve_command_serves_on_loopback_and_stops_on_sigterm(tiny_model_dir):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "reasoning.serve_cli", str(tiny_model_dir), "--port", str(port), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        while not (lines and lines[-1].startswith("serving ")) and process.poll() is None:
            lines.append(process.stdout.readline())  # "serving ..." is printed once the socket is bound
        assert lines[-1].strip() == f"serving {tiny_model_dir} at http://127.0.0.1:{port}/v1", lines
        client = OpenAIBackend(str(tiny_model_dir), base_urls=f"http://127.0.0.1:{port}/v1")
        prompt = client.render_prompt(QUESTIONS[0])
        assert client.generate([SampleRequest(prompt, 1)], SAMPLING)[0].num_tokens > 0
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if listening.returncode == 0:  # ss is not everywhere; where it is, the socket is loopback-only
            assert [line.split()[3] for line in listening.stdout.splitlines()] == [f"127.0.0.1:{port}"]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "server stopped" in output
