"""OpenAI-compatible backend: sample from any server that speaks `/v1/completions` (`vllm serve`, `reasoning serve`).

Why completions rather than chat: the prompt is rendered here through the model's own chat template, as the other
backends do, so the text the server continues is exactly the prompt recorded in the run, and a server that shares
the transformers sampler (`reasoning serve`) gives the same text for the same seed. `chat=True` sends messages to
`/v1/chat/completions` instead, for servers that only speak chat or models whose tokenizer is not at hand.

Scaling out: `base_urls` lists many servers (one per GPU or machine). Each request goes to the healthy server with
the fewest requests in flight, at most `concurrency` per server. A server that refuses the connection, times out
or answers 408/429/5xx cools down for `backoff_s * 2**k` seconds (k = failed probes in a row, capped at
`max_backoff_s`) and the request is retried, preferably on another server, up to `max_retries` times. Other 4xx
answers and malformed responses are not retried: they would fail the same way again.

Failures raise `ServerError` (a `BackendError`) naming each server and what it did; its `completed` holds the
completions that did finish, by request position, so a caller can keep them.

vLLM extensions (`vllm_extras=True`, the default): requests ask for the sampled token ids (`return_token_ids`,
vLLM >= 0.10.2), send `top_k`, and turn off `add_special_tokens` (the rendered prompt already carries BOS). Servers
that reject unknown fields need `vllm_extras=False`; token ids then come from re-encoding the text locally.
Log-probabilities are whatever the server reports: vLLM's are of the raw model distribution unless it was started
with `--logprobs-mode processed_logprobs`; `reasoning serve` reports them under the sampling distribution.

Time to first token needs `stream=True`: the response then comes as server-sent events, merged here into the same
completion, and TTFT is when the first text arrived. Without streaming there is no first-token time to measure.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reasoning.backends.base import BackendError, Completion, SampleRequest
from reasoning.config import ConfigError, SamplingConfig
from reasoning.prompts import build_messages, render_prompt

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
FINISH_REASONS = {"stop": "stop", "eos": "stop", "stop_sequence": "stop", "length": "length", "max_tokens": "length"}
MAX_ERROR_CHARS = 300  # how much of a server's error body goes into a message


class ServerError(BackendError):
    """Servers failed or answered nonsense; `completed` maps request positions to the completions that finished."""

    def __init__(self, message: str, completed: dict[int, Completion] | None = None) -> None:
        super().__init__(message)
        self.completed = completed or {}


class _Retryable(Exception):
    """One attempt failed in a way the next one may not (connection error, timeout, 429, 5xx)."""


@dataclass
class _Server:
    url: str  # base URL as given, e.g. http://127.0.0.1:8000/v1
    failures: int = 0  # failed probes in a row
    down_until: float = 0.0  # time.monotonic() before which no request is sent
    in_flight: int = 0
    answered: int = 0  # successful requests, for tests and diagnostics
    last_error: str = ""


def _short(text: Any) -> str:
    return " ".join(str(text).split())[:MAX_ERROR_CHARS]


class OpenAIBackend:
    """Sends one request per sample (n = 1, its own seed) to OpenAI-compatible servers (see module docstring)."""

    name = "openai"

    def __init__(
        self,
        model_path: str,
        *,
        base_urls: Sequence[str] | str = (),
        served_model: str | None = None,
        api_key: str | None = None,
        chat: bool = False,
        concurrency: int = 64,
        max_retries: int = 5,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        timeout_s: float = 600.0,
        logprobs: bool = True,
        vllm_extras: bool = True,
        tokenizer: Any = None,
        stream: bool = False,
    ) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ConfigError("the openai backend needs at least one --base-url, e.g. http://127.0.0.1:8000/v1")
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise ConfigError(f"base URL {url!r} is not an http(s) URL; give e.g. http://127.0.0.1:8000/v1")
        if concurrency < 1 or max_retries < 0 or backoff_s < 0 or timeout_s <= 0:
            raise ConfigError("need concurrency >= 1, max_retries >= 0, backoff_s >= 0 and timeout_s > 0")
        self.model_path = str(model_path)
        self.servers = [_Server(url.rstrip("/")) for url in urls]
        self.served_model = served_model
        self.api_key = api_key
        self.chat = chat
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.logprobs = logprobs
        self.vllm_extras = vllm_extras
        self.stream = stream
        self.tokenizer = tokenizer if tokenizer is not None else self._load_tokenizer()
        self._chat_messages: dict[str, list[dict[str, str]]] = {}  # rendered prompt -> the messages it stands for
        self._cond = threading.Condition()

    def _load_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(self.model_path)
        except (OSError, ValueError) as error:
            if self.chat:
                return None  # the server applies its own template; token ids then come from the server only
            raise BackendError(
                f"cannot load the tokenizer of {self.model_path!r} to render prompts ({_short(error)}); pass the "
                "served model's directory or hub id as --model, or use chat mode so the server renders prompts"
            ) from error

    # ---- prompts ------------------------------------------------------------------------------------------------

    def render_prompt(self, question: str, *, system_prompt: str | None = None, think: bool = False) -> str:
        if not self.chat:
            return render_prompt(self.tokenizer, question, system_prompt=system_prompt, think_prefix=think)
        messages = build_messages(question, system_prompt=system_prompt)
        if think:  # continued by the server as a prefilled assistant turn (vLLM's continue_final_message)
            messages.append({"role": "assistant", "content": "<think>\n"})
        if self.tokenizer is not None and getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=not think, continue_final_message=think
            )
        else:  # a readable record of what was sent; the server renders the real prompt
            text = "".join(f"<{m['role']}>\n{m['content']}\n" for m in messages)
        self._chat_messages[text] = messages
        return text

    # ---- generation ---------------------------------------------------------------------------------------------

    def generate(self, requests: list[SampleRequest], sampling: SamplingConfig) -> list[Completion]:
        if sampling.top_k and not self.vllm_extras:
            raise ConfigError("top_k is not part of the OpenAI API; set top_k 0 or enable vLLM extensions")
        if not requests:
            return []
        if self.served_model is None:
            self.served_model = self._discover_model()
        results: list[Completion | None] = [None] * len(requests)
        errors: list[BaseException] = []
        queue = list(range(len(requests)))[::-1]  # popped from the end: lock-free under the GIL
        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set():
                try:
                    index = queue.pop()
                except IndexError:
                    return
                try:
                    results[index] = self._sample(requests[index], sampling, stop)
                except Exception as error:  # noqa: BLE001 - re-raised in the caller's thread below
                    errors.append(error)
                    stop.set()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(len(requests), self._capacity()))]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)  # short joins keep Ctrl-C responsive
        finally:
            stop.set()
        if errors:
            completed = {i: c for i, c in enumerate(results) if c is not None}
            first = errors[0]
            if not isinstance(first, BackendError):
                raise first
            raise ServerError(f"{first} ({len(completed)} of {len(requests)} samples finished)", completed) from first
        return [c for c in results if c is not None]

    def _capacity(self) -> int:
        return self.concurrency * len(self.servers)

    def _sample(self, request: SampleRequest, sampling: SamplingConfig, stop: threading.Event) -> Completion:
        path, body = self._request_body(request, sampling)
        if self.stream:
            body.update(stream=True, stream_options={"include_usage": True})
        started = time.perf_counter()
        response, first_text_at = self._call("POST", path, body, stop)
        ttft = None if first_text_at is None else first_text_at - started
        return self._completion(response, time.perf_counter() - started, ttft)

    def _request_body(self, request: SampleRequest, sampling: SamplingConfig) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.served_model,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "seed": request.seed,
            "n": 1,
        }
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if self.vllm_extras:
            body["return_token_ids"] = True
            if sampling.top_k:
                body["top_k"] = sampling.top_k
        if not self.chat:
            body["prompt"] = request.prompt
            if self.logprobs:
                body["logprobs"] = 1
            if self.vllm_extras:
                body["add_special_tokens"] = False
            return "/completions", body
        messages = self._chat_messages.get(request.prompt) or [{"role": "user", "content": request.prompt}]
        body["messages"] = messages
        if self.logprobs:
            body["logprobs"] = True
        if messages[-1]["role"] == "assistant" and self.vllm_extras:
            body.update(add_generation_prompt=False, continue_final_message=True)
        return "/chat/completions", body

    def _discover_model(self) -> str:
        """The model name to send: `model_path` if the server lists it, else the one model it serves."""
        listing, _ = self._call("GET", "/models", None, threading.Event())
        try:
            ids = [entry["id"] for entry in listing["data"]]
        except (KeyError, TypeError) as error:
            raise ServerError(f"malformed /models response from the server: {_short(listing)}") from error
        if self.model_path in ids:
            return self.model_path
        if len(ids) == 1:
            return ids[0]
        raise ServerError(f"the server serves {ids}; say which one with the served-model option")

    # ---- HTTP with retries --------------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, stop: threading.Event
    ) -> tuple[dict[str, Any], float | None]:
        """The response (streamed ones merged) and when its first text arrived (streams only), with retries."""
        tried: list[_Server] = []
        attempts: list[str] = []
        for _ in range(self.max_retries + 1):
            server = self._acquire(tried, stop)
            tried.append(server)
            try:
                response = _http_json(server.url, method, path, body, self._headers(), self.timeout_s, self.chat)
            except _Retryable as error:
                attempts.append(f"{server.url}: {error}")
                self._release(server, failed=str(error))
                continue
            except BaseException:
                self._release(server, failed=None, answered=False)
                raise
            self._release(server, failed=None)
            return response
        unreachable = any(": HTTP " not in attempt for attempt in attempts)
        hint = (
            "check that the servers are up (`reasoning serve MODEL --port P` or `vllm serve MODEL`) and the URLs"
            if unreachable
            else "the servers answered with errors; see their logs"
        )
        raise ServerError(
            f"no server answered {method} {path} after {len(attempts)} attempts ({'; '.join(attempts[-4:])}); {hint}"
        )

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _acquire(self, tried: list[_Server], stop: threading.Event) -> _Server:
        """A healthy server with a free slot, preferring ones this request has not tried; waits out cool-downs."""
        with self._cond:
            while True:
                if stop.is_set():
                    raise ServerError("cancelled: another request failed")
                now = time.monotonic()
                open_ = [s for s in self.servers if s.down_until <= now and s.in_flight < self.concurrency]
                if open_:
                    server = min(open_, key=lambda s: (tried.count(s), s.in_flight))
                    server.in_flight += 1
                    return server
                next_up = min((s.down_until for s in self.servers if s.down_until > now), default=now + 1.0)
                self._cond.wait(min(max(next_up - now, 0.001), 1.0))

    def _release(self, server: _Server, *, failed: str | None, answered: bool = True) -> None:
        with self._cond:
            server.in_flight -= 1
            now = time.monotonic()
            if failed is None:
                server.failures, server.answered = 0, server.answered + int(answered)
            elif now >= server.down_until:  # requests already in flight when it went down do not extend the wait
                server.failures += 1
                pause = min(self.backoff_s * 2 ** (server.failures - 1), self.max_backoff_s)
                server.down_until = now + pause * (1 + 0.1 * random.random())
                server.last_error = failed
            self._cond.notify_all()

    # ---- responses ----------------------------------------------------------------------------------------------

    def _completion(self, response: dict[str, Any], latency: float, ttft: float | None = None) -> Completion:
        try:
            choice = response["choices"][0]
            text = choice["message"]["content"] if self.chat else choice["text"]
            reason = choice.get("finish_reason")
            logprobs_block = choice.get("logprobs")
        except (KeyError, IndexError, TypeError) as error:
            raise ServerError(f"malformed response (no choices[0] text): {_short(response)}") from error
        if self.chat and choice["message"].get("reasoning_content"):  # vLLM reasoning parsers split the thinking off
            text = f"{choice['message']['reasoning_content']}</think>{text or ''}"
        if not isinstance(text, str) or reason not in FINISH_REASONS:
            raise ServerError(f"malformed response (text {type(text).__name__}, finish_reason {reason!r})")
        logprobs = self._logprobs(logprobs_block) if self.logprobs else None
        token_ids = self._token_ids(choice, text, response)
        eos = getattr(self.tokenizer, "eos_token_id", None)
        if token_ids and token_ids[-1] == eos:  # vLLM counts the end-of-turn token; the other backends do not
            token_ids = token_ids[:-1]
            logprobs = logprobs[: len(token_ids)] if logprobs else logprobs
        return Completion(
            text=text,
            token_ids=token_ids,
            finish_reason=FINISH_REASONS[reason],
            logprobs=logprobs,
            latency_s=latency,
            ttft_s=ttft,
        )

    def _logprobs(self, block: Any) -> tuple[float, ...] | None:
        if not block:
            return None
        try:
            values = [entry["logprob"] for entry in block["content"]] if self.chat else block["token_logprobs"]
            return tuple(float(v) for v in values)
        except (KeyError, TypeError, ValueError) as error:
            raise ServerError(f"malformed logprobs in response: {_short(block)}") from error

    def _token_ids(self, choice: dict[str, Any], text: str, response: dict[str, Any]) -> tuple[int, ...]:
        ids = choice.get("token_ids")
        if isinstance(ids, list) and all(isinstance(i, int) for i in ids):
            return tuple(ids)
        if self.tokenizer is not None:
            return tuple(self.tokenizer.encode(text, add_special_tokens=False))
        # Neither ids nor a tokenizer: keep the count right (tokens/s, budgets) with unknown ids.
        count = (response.get("usage") or {}).get("completion_tokens")
        return (-1,) * int(count) if isinstance(count, int) else ()


def _http_json(
    base_url: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
    timeout: float,
    chat: bool = False,
) -> tuple[dict[str, Any], float | None]:
    """One HTTP exchange: (parsed JSON object, None), or for an event stream (merged response, first-text time).

    `_Retryable` for transient failures, `ServerError` for the rest.
    """
    parts = urlsplit(base_url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname, parts.port, timeout=timeout)
    payload = None if body is None else json.dumps(body).encode()
    try:
        connection.request(method, parts.path + path, body=payload, headers=headers)
        response = connection.getresponse()
        status = response.status
        if status == 200 and response.getheader("Content-Type", "").startswith("text/event-stream"):
            return _read_stream(response, f"{base_url}{path}", chat)
        data = response.read()
    except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, closed mid-answer
        raise _Retryable(f"{type(error).__name__}: {_short(error)}") from error
    finally:
        connection.close()
    if status in RETRY_STATUSES:
        raise _Retryable(f"HTTP {status}: {_error_message(data)}")
    if status != 200:
        raise ServerError(f"{base_url}{path} answered HTTP {status}: {_error_message(data)}")
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        parsed = None
    if not isinstance(parsed, dict):
        raise ServerError(
            f"malformed response from {base_url}{path} (not a JSON object; is it an OpenAI-compatible server?): "
            f"{_short(data[:MAX_ERROR_CHARS])!r}"
        )
    return parsed, None


def _read_stream(response: Any, where: str, chat: bool) -> tuple[dict[str, Any], float | None]:
    """Server-sent events up to `data: [DONE]`, merged into the shape of a non-streamed response."""
    text: list[str] = []
    thinking: list[str] = []
    ids: list[int] = []
    logprobs: list[Any] = []
    finish, usage, first_text_at, saw_ids = None, None, None, False
    while True:
        line = response.readline()
        if not line:
            raise _Retryable(f"{where}: the event stream ended before [DONE]")
        line = line.strip()
        if not line.startswith(b"data:"):
            continue  # blank separators, comments, event names
        data = line[5:].strip()
        if data == b"[DONE]":
            break
        try:
            event = json.loads(data)
            choices = event.get("choices") or []
            usage = event.get("usage") or usage
            for choice in choices:
                delta = choice.get("delta") or {} if chat else choice
                piece = delta.get("content") if chat else delta.get("text")
                if chat and delta.get("reasoning_content"):
                    thinking.append(delta["reasoning_content"])
                if isinstance(choice.get("token_ids"), list):
                    ids += choice["token_ids"]
                    saw_ids = True
                if (piece or choice.get("token_ids")) and first_text_at is None:
                    first_text_at = time.perf_counter()
                text.append(piece or "")
                block = choice.get("logprobs") or {}
                logprobs += block.get("content") or [] if chat else block.get("token_logprobs") or []
                finish = choice.get("finish_reason") or finish
        except (json.JSONDecodeError, AttributeError, TypeError) as error:
            raise ServerError(f"malformed event in the stream from {where}: {_short(data[:MAX_ERROR_CHARS])!r}") from error
    choice: dict[str, Any] = {"finish_reason": finish}
    if chat:
        choice["message"] = {"content": "".join(text), "reasoning_content": "".join(thinking) or None}
        choice["logprobs"] = {"content": logprobs} if logprobs else None
    else:
        choice["text"] = "".join(text)
        choice["logprobs"] = {"token_logprobs": logprobs} if logprobs else None
    if saw_ids:
        choice["token_ids"] = ids
    return {"choices": [choice], "usage": usage}, first_text_at


def _error_message(data: bytes) -> str:
    """The `error.message` of an OpenAI-style error body, else the start of the body."""
    try:
        parsed = json.loads(data)
        error = parsed.get("error") if isinstance(parsed, dict) else None
        message = error.get("message") if isinstance(error, dict) else (error or parsed.get("detail"))
        if message:
            return _short(message)
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        pass
    return _short(data[:MAX_ERROR_CHARS].decode("utf-8", "replace"))
