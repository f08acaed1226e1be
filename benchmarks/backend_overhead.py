"""What serving costs: tokens/s of the same requests through each backend, as ratios against the transformers backend
measured in the same process.

(a) openai backend -> `reasoning serve`'s server (transformers behind it) on loopback vs the transformers backend
    called directly: the HTTP, JSON and batching overhead. Texts must be identical (same sampler, same seeds).
(b) with --vllm (and vllm importable): the vllm backend's offline engine vs the transformers backend.

Each backend gets one small warm-up call first, so one-time costs (compilation, caches) are not counted.
Requests are issued in chunks of --batch-size, as the solve engine does. Measurements alternate between the
backends (--repeats rounds) and the medians are compared, because on a shared machine the load drifts between runs.

    python benchmarks/backend_overhead.py [--model DIR] [--prompts 16] [-n 8] [--max-tokens 128] [--vllm]
"""

from __future__ import annotations

import argparse
import statistics
import time


def measure(backend, requests, sampling, batch_size: int) -> tuple[list, float]:
    started, out = time.perf_counter(), []
    for start in range(0, len(requests), batch_size):
        out += backend.generate(requests[start : start + batch_size], sampling)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: the built-in model)")
    parser.add_argument("--source", default="arith-test", help="problem set the prompts come from")
    parser.add_argument("--prompts", type=int, default=16, help="distinct prompts")
    parser.add_argument("-n", type=int, default=8, help="samples (seeds) per prompt")
    parser.add_argument("--max-tokens", type=int, default=128, help="token budget per sample")
    parser.add_argument("--batch-size", type=int, default=64, help="requests per generate call")
    parser.add_argument("--vllm", action="store_true", help="also measure the vllm backend")
    parser.add_argument("--repeats", type=int, default=3, help="alternating measurement rounds")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()

    import problems
    from reasoning.backends.base import SampleRequest, sample_seed
    from reasoning.backends.openai_backend import OpenAIBackend
    from reasoning.backends.transformers_backend import TransformersBackend
    from reasoning.config import SamplingConfig
    from reasoning.serve import ModelServer
    from reasoning.solve import resolve_model

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)  # global: the server's generation thread uses it too
    model_path, _ = resolve_model(args.model)
    sampling = SamplingConfig(temperature=0.8, max_tokens=args.max_tokens)
    local = TransformersBackend(model_path, batch_size=args.batch_size)
    questions = [p.question for p in problems.load(args.source)[: args.prompts]]
    requests = [
        SampleRequest(local.render_prompt(q), sample_seed(0, q, i)) for q in questions for i in range(args.n)
    ]
    print(f"model {model_path}: {len(requests)} requests, max {args.max_tokens} tokens, batch {args.batch_size}")

    server = ModelServer(TransformersBackend(model_path, batch_size=args.batch_size), max_batch=args.batch_size)
    contenders = {"transformers (direct)": local}
    with server:
        client = OpenAIBackend(model_path, base_urls=server.url, concurrency=args.batch_size)
        contenders["openai -> reasoning serve"] = client
        if args.vllm:
            from reasoning.backends.registry import make_backend

            contenders["vllm (offline engine)"] = make_backend("vllm", model_path, dtype="float32")
        for backend in contenders.values():
            backend.generate(requests[:2], sampling)  # warm-up
        seconds: dict[str, list[float]] = {name: [] for name in contenders}
        outputs: dict[str, list] = {}
        for _ in range(args.repeats):
            for name, backend in contenders.items():
                outputs[name], elapsed = measure(backend, requests, sampling, args.batch_size)
                seconds[name].append(elapsed)
    base_name = "transformers (direct)"
    base_s = statistics.median(seconds[base_name])
    for name, runs in seconds.items():
        tokens = sum(c.num_tokens for c in outputs[name])
        median = statistics.median(runs)
        same = [c.text for c in outputs[name]] == [c.text for c in outputs[base_name]]
        print(
            f"{name:27s} {tokens / median:8.0f} tok/s  median {median:6.2f} s of {[round(r, 2) for r in runs]}  "
            f"time ratio to direct {median / base_s:.2f}  identical texts: {same}"
        )


if __name__ == "__main__":  # vLLM's engine may start worker processes, which re-import this file
    main()
