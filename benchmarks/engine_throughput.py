"""Engine throughput on the built-in model, each figure a ratio against a baseline measured in the same run.

(a) `solve` with the transformers backend vs a bare `model.generate` loop in its fastest configuration (static
    cache, HF's own sampling, same prompts, n, batch size and token budget), and `solve` with the vLLM backend vs
    bare `LLM.generate` calls on the same engine. The engine's overhead should be < 10% for each.
(b) vLLM vs transformers tokens/s, when vllm is importable in this environment (see README for the vllm extra).
(c) verification and voting time as a fraction of the engine's wall time.

    python benchmarks/engine_throughput.py [--problems 48] [-n 8] [--max-tokens 256] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch


def bare_generate(model_path: str, prompts: list[str], n: int, batch_size: int, max_tokens: int) -> tuple[int, float]:
    """(generated tokens, seconds) for plain HF generate over the same work."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(model_path).eval()
    work = sorted([p for p in prompts for _ in range(n)], key=len)
    tokens, started = 0, time.perf_counter()
    torch.manual_seed(0)
    for start in range(0, len(work), batch_size):
        batch = tokenizer(work[start : start + batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**batch, do_sample=True, temperature=0.8, top_p=1.0, top_k=0,
                                 max_new_tokens=max_tokens, cache_implementation="static",
                                 pad_token_id=tokenizer.pad_token_id)
        new = out[:, batch["input_ids"].shape[1] :]
        for row in new.tolist():  # count up to and excluding the first end-of-turn, as the engine does
            tokens += row.index(tokenizer.eos_token_id) if tokenizer.eos_token_id in row else len(row)
    return tokens, time.perf_counter() - started


def bare_llm_generate(llm, prompts: list[str], n: int, batch_size: int, max_tokens: int,
                      logprobs: int | None = None) -> tuple[int, float]:
    """(generated tokens, seconds) for plain vLLM `LLM.generate` calls on the same engine, prompts and chunking."""
    import vllm

    tokenizer = llm.get_tokenizer()
    work = [{"prompt_token_ids": tokenizer.encode(p, add_special_tokens=False)} for p in prompts for _ in range(n)]
    tokens, started = 0, time.perf_counter()
    for start in range(0, len(work), batch_size):
        chunk = work[start : start + batch_size]
        params = [vllm.SamplingParams(temperature=0.8, max_tokens=max_tokens, seed=start + i, logprobs=logprobs)
                  for i in range(len(chunk))]
        outputs = llm.generate(chunk, params, use_tqdm=False)
        tokens += sum(len(o.outputs[0].token_ids) for o in outputs)
    return tokens, time.perf_counter() - started


def engine(model_path: str, source: str, limit: int, n: int, batch_size: int, max_tokens: int, backend: str,
           loaded=None, logprobs: bool = False):
    """The solve summary; `loaded` reuses an already built backend (so a vLLM engine starts once)."""
    from reasoning.config import SamplingConfig, SolveConfig
    from reasoning.solve import load_backend, solve

    config = SolveConfig(source=source, limit=limit, backend=backend, batch_size=batch_size,
                         out=tempfile.mkdtemp(prefix="bench-"), logprobs=logprobs,
                         sampling=SamplingConfig(n=n, temperature=0.8, max_tokens=max_tokens), force_answer=False)
    if loaded is not None:
        loaded.logprobs = logprobs  # as load_backend would have built it for this config
    result = solve(config, progress=False, backend=loaded or load_backend(config, model_path))
    return result.summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="arith-test", help="problem set")
    parser.add_argument("--problems", type=int, default=48, help="number of problems")
    parser.add_argument("-n", type=int, default=8, help="samples per problem")
    parser.add_argument("--max-tokens", type=int, default=256, help="token budget")
    parser.add_argument("--batch-size", type=int, default=64, help="sequences per generate call")
    parser.add_argument("--model", default=None, help="model directory (default: the built-in model)")
    args = parser.parse_args()

    import problems
    from reasoning.prompts import render_prompt
    from reasoning.solve import resolve_model

    model_path, _ = resolve_model(args.model)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    prompts = [render_prompt(tokenizer, p.question) for p in problems.load(args.source, limit=args.problems)]
    bare_tokens, bare_s = bare_generate(model_path, prompts, args.n, args.batch_size, args.max_tokens)
    summary = engine(model_path, args.source, args.problems, args.n, args.batch_size, args.max_tokens, "transformers")
    t = summary["timings"]
    engine_tps, bare_tps = summary["tokens_generated"] / t["wall_s"], bare_tokens / bare_s
    print(f"(a) bare generate   {bare_tps:8.0f} tok/s  ({bare_tokens} tokens in {bare_s:.1f} s)")
    print(f"    solve engine    {engine_tps:8.0f} tok/s  ({summary['tokens_generated']} tokens in {t['wall_s']:.1f} s)")
    print(f"    engine / bare   {engine_tps / bare_tps:8.3f}  (overhead {100 * (1 - engine_tps / bare_tps):+.1f}%)")
    try:
        import vllm  # noqa: F401

        from reasoning.backends.registry import make_backend

        vllm_backend = make_backend("vllm", model_path)  # log-probs enabled; each solve call below sets its own
        llm = vllm_backend.llm
        # Warm the engine once (vLLM compiles per batch shape), so neither timed side pays for it.
        bare_llm_generate(llm, prompts, args.n, args.batch_size, args.max_tokens, logprobs=0)
        vbare_tokens, vbare_s = bare_llm_generate(llm, prompts, args.n, args.batch_size, args.max_tokens)
        vsum = engine(model_path, args.source, args.problems, args.n, args.batch_size, args.max_tokens, "vllm",
                      loaded=vllm_backend)
        vllm_tps, vbare_tps = vsum["tokens_generated"] / vsum["timings"]["wall_s"], vbare_tokens / vbare_s
        print(f"(a) bare LLM.generate {vbare_tps:6.0f} tok/s   solve --backend vllm {vllm_tps:.0f} tok/s   "
              f"engine / bare {vllm_tps / vbare_tps:.3f}  (overhead {100 * (1 - vllm_tps / vbare_tps):+.1f}%)")
        # With per-token log-probs on both sides (solve --logprobs): vLLM's own cost of computing them shows here.
        lp_tokens, lp_s = bare_llm_generate(llm, prompts, args.n, args.batch_size, args.max_tokens, logprobs=0)
        lsum = engine(model_path, args.source, args.problems, args.n, args.batch_size, args.max_tokens, "vllm",
                      loaded=vllm_backend, logprobs=True)
        lp_tps, lbare_tps = lsum["tokens_generated"] / lsum["timings"]["wall_s"], lp_tokens / lp_s
        print(f"    with log-probs: bare {lbare_tps:6.0f} tok/s   solve --logprobs {lp_tps:.0f} tok/s   "
              f"engine / bare {lp_tps / lbare_tps:.3f}   (log-probs cost vLLM itself {1 - lbare_tps / vbare_tps:.0%})")
        print(f"(b) vllm engine     {vllm_tps:8.0f} tok/s   vllm / transformers {vllm_tps / engine_tps:.2f}x")
    except ImportError:
        print("(b) vllm not importable here: skipped (install the vllm extra in its own environment)")
    except Exception as error:  # a benchmark reports a failing optional backend and goes on
        print(f"(b) vllm failed: {error}")
    print(f"(c) verification    {t['verification_s'] / t['wall_s']:8.3%} of wall time")
    print(f"    voting+summary  {t['voting_and_summary_s'] / t['wall_s']:8.3%} of wall time")
    print(json.dumps({"bare_tps": bare_tps, "engine_tps": engine_tps, "timings": t}))


if __name__ == "__main__":
    main()
