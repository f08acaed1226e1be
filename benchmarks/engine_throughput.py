"""Engine throughput on the built-in model, each figure a ratio against a baseline measured in the same run.

(a) `solve` with the transformers backend vs a bare `model.generate` loop in its fastest configuration (static
    cache, HF's own sampling, same prompts, n, batch size and token budget), and `solve` with the vLLM backend vs
    bare `LLM.generate` calls on the same engine. The engine's overhead should be < 10% for each.
(b) vLLM vs transformers tokens/s, when vllm is importable in this environment (see README for the vllm extra).
(c) verification and voting time as a fraction of the engine's wall time.

    python benchmarks/engine_throughput.py [--problems 48] [-n 8] [--max-tokens 256] [--batch-size 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


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
    parser.add_argument("--repeats", type=int, default=3, help="alternating measurements per pair (medians compared)")
    args = parser.parse_args()

    import problems
    from reasoning.prompts import render_prompt
    from reasoning.solve import resolve_model

    model_path, _ = resolve_model(args.model)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    prompts = [render_prompt(tokenizer, p.question) for p in problems.load(args.source, limit=args.problems)]
    shape = (args.n, args.batch_size, args.max_tokens)

    def solve_tps(backend: str, loaded=None, logprobs: bool = False) -> tuple[float, dict]:
        summary = engine(model_path, args.source, args.problems, *shape, backend, loaded=loaded, logprobs=logprobs)
        return summary["tokens_generated"] / summary["timings"]["wall_s"], summary["timings"]

    def bare_tps(llm=None, logprobs: int | None = None) -> float:
        tokens, seconds = (bare_generate(model_path, prompts, *shape) if llm is None
                           else bare_llm_generate(llm, prompts, *shape, logprobs=logprobs))
        return tokens / seconds

    # Each pair is measured `repeats` times, alternating sides, and compared by medians: on a shared machine a
    # single pair of short runs swings by tens of percent.
    pairs = [(bare_tps(), solve_tps("transformers")) for _ in range(args.repeats)]
    bare, engine_tps = median(b for b, _ in pairs), median(tps for _, (tps, _) in pairs)
    t = pairs[-1][1][1]
    print(f"(a) bare generate   {bare:8.0f} tok/s   solve --backend transformers {engine_tps:.0f} tok/s   "
          f"engine / bare {engine_tps / bare:.3f}  (overhead {100 * (1 - engine_tps / bare):+.1f}%)")
    try:
        import vllm  # noqa: F401

        from reasoning.backends.registry import make_backend

        backend = make_backend("vllm", model_path)  # log-probs enabled; each solve call below sets its own
        bare_llm_generate(backend.llm, prompts, *shape, logprobs=0)  # warm-up: vLLM compiles per batch shape
        vpairs = [(bare_tps(backend.llm), solve_tps("vllm", backend)[0]) for _ in range(args.repeats)]
        vbare, vllm_tps = median(b for b, _ in vpairs), median(e for _, e in vpairs)
        print(f"(a) bare LLM.generate {vbare:6.0f} tok/s   solve --backend vllm {vllm_tps:.0f} tok/s   "
              f"engine / bare {vllm_tps / vbare:.3f}  (overhead {100 * (1 - vllm_tps / vbare):+.1f}%)")
        # With per-token log-probs on both sides (solve --logprobs): vLLM's own cost of computing them shows here.
        lpairs = [(bare_tps(backend.llm, logprobs=0), solve_tps("vllm", backend, logprobs=True)[0])
                  for _ in range(args.repeats)]
        lbare, lsolve = median(b for b, _ in lpairs), median(e for _, e in lpairs)
        print(f"    with log-probs: bare {lbare:6.0f} tok/s   solve --logprobs {lsolve:.0f} tok/s   "
              f"engine / bare {lsolve / lbare:.3f}   (log-probs cost vLLM itself {1 - lbare / vbare:.0%})")
        print(f"(b) vllm engine     {vllm_tps:8.0f} tok/s   vllm / transformers {vllm_tps / engine_tps:.2f}x")
    except ImportError:
        print("(b) vllm not importable here: skipped (install the vllm extra in its own environment)")
    except Exception as error:  # a benchmark reports a failing optional backend and goes on
        print(f"(b) vllm failed: {error}")
    print(f"(c) verification    {t['verification_s'] / t['wall_s']:8.3%} of wall time (transformers run)")
    print(f"    voting+summary  {t['voting_and_summary_s'] / t['wall_s']:8.3%} of wall time")
    print(json.dumps({"bare_tps": bare, "engine_tps": engine_tps, "timings": t}))


if __name__ == "__main__":
    main()
