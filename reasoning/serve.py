"""A small OpenAI-compatible HTTP server over any backend: `/v1/models`, `/v1/completions`, `/v1/chat/completions`.

It lets `--backend openai` (and any OpenAI client) drive the built-in model, and gives the tests a real server.
Requests arriving together are batched: one thread owns the backend and, each time it is free, generates for every
request that queued meanwhile or arrives within `batch_wait_s` of the previous one (up to `max_batch` sequences
and 0.1 s of gathering), grouped by sampling settings.

Semantics follow vLLM's server where the OpenAI API leaves room: `seed` is honoured (choice i > 0 of a request
gets a seed derived from it, so `n` choices differ; no seed means a random one), `top_k` is accepted, and
`return_token_ids` adds the sampled token ids to each choice. Log-probabilities are those of the sampled tokens
under the sampling distribution (`top_logprobs` is always null). `stream=true` answers in server-sent events, but
each choice arrives whole in one chunk (the batcher generates whole sequences), so a client's time to first token
is the full latency here. Not supported: token-id prompts, echo.

The server binds 127.0.0.1 only: it has no authentication, so it is not for exposing beyond this machine.
"""

from __future__ import annotations

import json
import queue
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reasoning.backends.base import Backend, BackendError, Completion, SampleRequest, sample_seed
from reasoning.config import ConfigError, SamplingConfig

LOOPBACK = "127.0.0.1"
MAX_BODY_BYTES = 8 << 20  # one request's JSON body
MAX_CHOICES = 1024  # prompts x n in one request
DEFAULT_CHAT_MAX_TOKENS = 512  # chat requests without max_tokens (completions default to 16, as in the OpenAI API)
MAX_GATHER_S = 0.1  # longest a request waits for others to share its batch


class RequestError(Exception):
    """A request the server refuses; becomes an OpenAI-style error body with this HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Job:
    requests: list[SampleRequest]
    sampling: SamplingConfig
    done: threading.Event = field(default_factory=threading.Event)
    result: list[Completion] | None = None
    error: Exception | None = None


class _Batcher:
    """Owns the backend on one thread; merges queued jobs into batches (see module docstring)."""

    def __init__(self, backend: Backend, max_batch: int, wait_s: float) -> None:
        self.backend, self.max_batch, self.wait_s = backend, max_batch, wait_s
        self.queue: queue.Queue[_Job | None] = queue.Queue()
        self.batch_sizes: list[int] = []  # sequences per backend call, for tests and diagnostics
        self.thread = threading.Thread(target=self._run, name="serve-batcher", daemon=True)

    def submit(self, requests: list[SampleRequest], sampling: SamplingConfig) -> list[Completion]:
        job = _Job(requests, sampling)
        self.queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _run(self) -> None:
        while (job := self.queue.get()) is not None:
            jobs, total = [job], len(job.requests)
            # Gather until no request has arrived for `wait_s` (clients' requests trickle in over tens of ms),
            # but never hold the first one more than MAX_GATHER_S.
            cap = time.monotonic() + MAX_GATHER_S
            while total < self.max_batch:
                try:
                    more = self.queue.get(timeout=max(min(cap - time.monotonic(), self.wait_s), 0))
                except queue.Empty:
                    break
                if more is None:
                    self.queue.put(None)
                    break
                jobs.append(more)
                total += len(more.requests)
            groups: dict[SamplingConfig, list[_Job]] = {}
            for queued in jobs:
                groups.setdefault(queued.sampling, []).append(queued)
            for sampling, group in groups.items():
                self._generate(sampling, group)

    def _generate(self, sampling: SamplingConfig, group: list[_Job]) -> None:
        flat = [request for job in group for request in job.requests]
        try:
            completions = self.backend.generate(flat, sampling)
            self.batch_sizes.append(len(flat))
        except Exception as error:  # noqa: BLE001 - handed to each waiting request thread, which answers 500
            for job in group:
                job.error = error
                job.done.set()
            return
        offset = 0
        for job in group:
            job.result = completions[offset : offset + len(job.requests)]
            offset += len(job.requests)
            job.done.set()

    def close(self) -> None:
        self.queue.put(None)


class ModelServer:
    """Serves `backend` on 127.0.0.1:`port` (0 = a free port). Use `start()` for a background thread.

    `tokenizer` renders chat messages and names tokens in log-probabilities; default: `backend.tokenizer`.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        port: int = 0,
        model_name: str | None = None,
        tokenizer: Any = None,
        max_batch: int = 64,
        batch_wait_s: float = 0.02,
        verbose: bool = False,
    ) -> None:
        self.backend = backend
        self.model_name = model_name or backend.model_path
        self.tokenizer = tokenizer if tokenizer is not None else getattr(backend, "tokenizer", None)
        if self.tokenizer is None:
            raise ConfigError("the server needs the model's tokenizer; pass tokenizer= for this backend")
        config = getattr(getattr(backend, "model", None), "config", None)
        self.max_model_len: int | None = getattr(config, "max_position_embeddings", None)
        self.verbose = verbose
        self.batcher = _Batcher(backend, max_batch, batch_wait_s)
        self.httpd = _HTTPServer((LOOPBACK, port), _Handler)
        self.httpd.app = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL clients use, e.g. http://127.0.0.1:8000/v1."""
        return f"http://{LOOPBACK}:{self.port}/v1"

    def start(self) -> ModelServer:
        self.batcher.thread.start()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.batcher.thread.start()
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.close()

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread = None
        self.httpd.server_close()
        self.batcher.close()

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- endpoints: each returns a JSON-able dict or raises RequestError ----------------------------------------

    def models(self) -> dict[str, Any]:
        entry = {"id": self.model_name, "object": "model", "created": 0, "owned_by": "reasoning-workbench"}
        if self.max_model_len:
            entry["max_model_len"] = self.max_model_len
        return {"object": "list", "data": [entry]}

    def completions(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = body.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise RequestError(400, "prompt must be a string or a list of strings (token-id prompts are not supported)")
        sampling, n, seed = self._sampling(body, default_max_tokens=16)
        choices = self._run(prompts, sampling, n, seed)
        want_ids, as_ids = bool(body.get("return_token_ids")), bool(body.get("return_tokens_as_token_ids"))
        out = []
        for index, completion in enumerate(choices):
            choice: dict[str, Any] = {
                "index": index,
                "text": completion.text,
                "logprobs": None,
                "finish_reason": completion.finish_reason,
                "stop_reason": None,
            }
            if body.get("logprobs") is not None and completion.logprobs is not None:
                tokens = self._token_names(completion, as_ids)
                choice["logprobs"] = {
                    "tokens": tokens,
                    "token_logprobs": list(completion.logprobs[: len(tokens)]),
                    "top_logprobs": None,
                    "text_offset": None,
                }
            if want_ids:
                choice["token_ids"] = list(completion.token_ids)
            out.append(choice)
        return self._envelope("cmpl", "text_completion", out, prompts, n, choices)

    def chat_completions(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise RequestError(400, "messages must be a non-empty list of {role, content} objects")
        cleaned = [{"role": _role(m), "content": _content(m)} for m in messages]
        continue_final = bool(body.get("continue_final_message"))
        if continue_final and cleaned[-1]["role"] != "assistant":
            raise RequestError(400, "continue_final_message needs the last message to be the assistant's")
        prompt = self.tokenizer.apply_chat_template(
            cleaned,
            tokenize=False,
            add_generation_prompt=bool(body.get("add_generation_prompt", not continue_final)),
            continue_final_message=continue_final,
        )
        sampling, n, seed = self._sampling(body, default_max_tokens=DEFAULT_CHAT_MAX_TOKENS)
        choices = self._run([prompt], sampling, n, seed)
        as_ids = bool(body.get("return_tokens_as_token_ids"))
        out = []
        for index, completion in enumerate(choices):
            choice: dict[str, Any] = {
                "index": index,
                "message": {"role": "assistant", "content": completion.text},
                "logprobs": None,
                "finish_reason": completion.finish_reason,
            }
            if body.get("logprobs") and completion.logprobs is not None:
                names = self._token_names(completion, as_ids)
                choice["logprobs"] = {
                    "content": [
                        {"token": name, "logprob": lp, "bytes": None, "top_logprobs": []}
                        for name, lp in zip(names, completion.logprobs)
                    ]
                }
            if body.get("return_token_ids"):
                choice["token_ids"] = list(completion.token_ids)
            out.append(choice)
        return self._envelope("chatcmpl", "chat.completion", out, [prompt], n, choices)

    # ---- helpers ------------------------------------------------------------------------------------------------

    def check_model(self, body: dict[str, Any]) -> None:
        model = body.get("model")
        if model is not None and model != self.model_name:
            raise RequestError(404, f"The model `{model}` does not exist; this server serves `{self.model_name}`.")

    def _sampling(self, body: dict[str, Any], *, default_max_tokens: int) -> tuple[SamplingConfig, int, int | None]:
        stop = body.get("stop") or ()
        stop = (stop,) if isinstance(stop, str) else stop
        if not isinstance(stop, list | tuple) or not all(isinstance(s, str) and s for s in stop):
            raise RequestError(400, "stop must be a string or a list of non-empty strings")
        n = _number(body, "n", 1, integer=True)
        if not 1 <= n <= MAX_CHOICES:
            raise RequestError(400, f"n must be between 1 and {MAX_CHOICES}")
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise RequestError(400, "seed must be an integer")
        max_tokens = body.get("max_tokens") if body.get("max_tokens") is not None else body.get("max_completion_tokens")
        try:
            sampling = SamplingConfig(
                n=1,
                temperature=float(_number(body, "temperature", 1.0)),
                top_p=float(_number(body, "top_p", 1.0)),
                top_k=max(_number(body, "top_k", 0, integer=True), 0),  # vLLM's -1 means off, like our 0
                max_tokens=_number({"max_tokens": max_tokens}, "max_tokens", default_max_tokens, integer=True),
                stop=tuple(stop),
            )
        except ConfigError as error:
            raise RequestError(400, str(error)) from error
        return sampling, n, seed

    def _run(self, prompts: list[str], sampling: SamplingConfig, n: int, seed: int | None) -> list[Completion]:
        if len(prompts) * n > MAX_CHOICES:
            raise RequestError(400, f"at most {MAX_CHOICES} choices (prompts x n) per request")
        if self.max_model_len:
            longest = max(len(self.tokenizer.encode(p, add_special_tokens=False)) for p in prompts)
            if longest + sampling.max_tokens > self.max_model_len:
                raise RequestError(
                    400,
                    f"This model's maximum context length is {self.max_model_len} tokens; the prompt has {longest} "
                    f"and max_tokens asks for {sampling.max_tokens}. Lower max_tokens.",
                )
        base = secrets.randbits(63) if seed is None else seed
        # Choice 0 uses the seed itself, so one request with seed s matches the other backends' sample with seed s.
        seeds = [base if i == 0 else sample_seed(base, "choice", i) for i in range(n)]
        requests = [SampleRequest(prompt, s) for prompt in prompts for s in seeds]
        try:
            return self.batcher.submit(requests, sampling)
        except BackendError as error:
            raise RequestError(500, f"generation failed: {error}") from error

    def _token_names(self, completion: Completion, as_ids: bool) -> list[str]:
        ids = list(completion.token_ids)
        return [f"token_id:{i}" for i in ids] if as_ids else list(self.tokenizer.convert_ids_to_tokens(ids))

    def _envelope(
        self, prefix: str, kind: str, choices: list[dict], prompts: list[str], n: int, completions: list[Completion]
    ) -> dict[str, Any]:
        prompt_tokens = n * sum(len(self.tokenizer.encode(p, add_special_tokens=False)) for p in prompts)
        completion_tokens = sum(c.num_tokens for c in completions)
        return {
            "id": f"{prefix}-{uuid.uuid4().hex}",
            "object": kind,
            "created": int(time.time()),
            "model": self.model_name,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def _number(body: dict[str, Any], key: str, default: Any, *, integer: bool = False) -> Any:
    """body[key] (default when absent or null), checked to be a number (an integer if `integer`)."""
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise RequestError(400, f"{key} must be {'an integer' if integer else 'a number'}, got {value!r}")
    return value


def _role(message: Any) -> str:
    if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
        raise RequestError(400, "each message needs a role of system, user or assistant")
    return message["role"]


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    if not isinstance(content, str):
        raise RequestError(400, "message content must be a string or a list of text parts")
    return content


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must not keep the process alive
    request_queue_size = 128  # listen backlog: many clients connect at once
    app: ModelServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "reasoning-serve"

    @property
    def app(self) -> ModelServer:
        return self.server.app  # type: ignore[attr-defined]  # our _HTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") == "/v1/models":
            self._reply(200, self.app.models())
        elif self.path.rstrip("/") in ("/health", "/v1/health"):
            self._reply(200, {"status": "ok"})
        else:
            self._reply(404, _error(404, f"no route GET {self.path}"))

    def do_POST(self) -> None:  # noqa: N802
        started = time.perf_counter()
        routes = {"/v1/completions": self.app.completions, "/v1/chat/completions": self.app.chat_completions}
        streaming = False
        try:
            handler = routes.get(self.path.rstrip("/"))
            if handler is None:
                raise RequestError(404, f"no route POST {self.path}")
            body = self._read_json()
            self.app.check_model(body)
            status, payload = 200, handler(body)
            streaming = bool(body.get("stream"))
        except RequestError as error:
            status, payload = error.status, _error(error.status, str(error))
        except Exception as error:  # noqa: BLE001 - the HTTP boundary: answer 500 instead of dropping the connection
            status, payload = 500, _error(500, f"internal error: {type(error).__name__}: {error}")
        if streaming and status == 200:
            self._reply_stream(payload)
        else:
            self._reply(status, payload)
        if self.app.verbose:
            print(f"POST {self.path} {status} {time.perf_counter() - started:.2f}s", file=sys.stderr, flush=True)

    def _read_json(self) -> dict[str, Any]:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise RequestError(411, "a Content-Length header is required")
        if int(length) > MAX_BODY_BYTES:
            raise RequestError(413, f"request body over {MAX_BODY_BYTES} bytes")
        try:
            body = json.loads(self.rfile.read(int(length)))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RequestError(400, f"request body is not JSON: {error}") from error
        if not isinstance(body, dict):
            raise RequestError(400, "request body must be a JSON object")
        return body

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reply_stream(self, payload: dict[str, Any]) -> None:
        """The finished response as OpenAI server-sent events: one chunk per choice, then usage, then [DONE]."""
        chunk_kind = payload["object"] + ".chunk" if payload["object"] == "chat.completion" else payload["object"]
        events = []
        for choice in payload["choices"]:
            if "message" in choice:  # chat: the message becomes a delta
                choice = {**{k: v for k, v in choice.items() if k != "message"}, "delta": choice["message"]}
            events.append({**payload, "object": chunk_kind, "choices": [choice], "usage": None})
        events.append({**payload, "object": chunk_kind, "choices": []})  # usage, as with stream_options.include_usage
        data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet; do_POST logs when verbose
        pass


def _error(status: int, message: str) -> dict[str, Any]:
    kinds = {400: "BadRequestError", 404: "NotFoundError", 413: "BadRequestError", 500: "InternalServerError"}
    return {"error": {"message": message, "type": kinds.get(status, "Error"), "param": None, "code": status}}
