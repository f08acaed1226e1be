"""The `solve` engine: sample n chains of thought per problem, verify each, vote, and stream it all to a run.

Flow per chunk of problems: build prompts through the model's chat template -> backend.generate (one request per
sample, each with its own seed) -> verifiers.verify against the gold -> append the records to samples.jsonl.
When the run stops (done or interrupted) the summary is computed from every record on disk, including those of
earlier attempts when resuming.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

import problems as problem_sets
from problems import Problem
from reasoning.backends.base import Backend, BackendError, Completion, SampleRequest, sample_seed
from reasoning.budget import forcing_for
from reasoning.config import SolveConfig
from reasoning.runs import RunDirectory, default_run_dir, git_state, package_versions
from reasoning.summary import summarize


@dataclass
class SolveResult:
    run_dir: Path
    summary: dict[str, Any]
    status: str


def resolve_model(model: str | None, *, progress: bool = True) -> tuple[str, str]:
    """(path or hub id, short display name); None means the built-in model, bootstrapped if needed."""
    if model is None:
        from reasoning.tiny_model import ensure_builtin_model

        return str(ensure_builtin_model(progress=progress)), "builtin"
    return model, Path(model).name or model


def load_backend(config: SolveConfig, model_path: str) -> Backend:
    import os

    from reasoning.backends.registry import make_backend

    return make_backend(
        config.backend,
        model_path,
        batch_size=config.batch_size,
        base_urls=config.base_urls or None,
        served_model=config.served_model,
        chat=True if config.openai_chat else None,
        concurrency=config.concurrency,
        max_retries=config.max_retries,
        stream=True if config.stream else None,
        # Read here, never stored in the config, so keys stay out of run manifests.
        api_key=os.environ.get("OPENAI_API_KEY") if config.backend == "openai" else None,
        tensor_parallel_size=config.tensor_parallel_size,
        gpu_memory_utilization=config.gpu_memory_utilization,
        max_model_len=config.max_model_len,
        logprobs=config.logprobs,
    )


def _identity(config: SolveConfig, model_path: str, fingerprint: str | None) -> dict[str, Any]:
    """Settings that must not change between an interrupted run and its resume."""
    from reasoning.backends.registry import resolve_backend_name

    sampling = config.sampling
    return {
        "source": config.source,
        # vllm samples differently from transformers for the same seed; openai via `reasoning serve` matches.
        "backend": resolve_backend_name(config.backend),
        "model": model_path,
        "model_fingerprint": fingerprint,
        "n": sampling.n,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "top_k": sampling.top_k,
        "max_tokens": sampling.max_tokens,
        "seed": sampling.seed,
        "stop": list(sampling.stop),
        "system_prompt": config.system_prompt,
        "think": config.think,
        "limit": config.limit,
        "force_answer": config.force_answer,
        "answer_tokens": config.answer_tokens,
    }


def solve(config: SolveConfig, *, progress: bool = True, backend: Backend | None = None) -> SolveResult:
    """Run `config` end to end and return the run directory and summary (see module docstring)."""
    from reasoning.backends.transformers_backend import model_fingerprint

    report = problem_sets.load_with_report(
        config.source,
        question_field=config.question_field,
        answer_field=config.answer_field,
        id_field=config.id_field,
        skip_bad=config.skip_bad,
        limit=config.limit,
    )
    if report.skipped:
        print(f"skipped {len(report.skipped)} bad rows; first: {report.skipped[0]}")
    problems = report.problems
    model_path, model_name = (backend.model_path, Path(backend.model_path).name) if backend else resolve_model(
        config.model, progress=progress
    )
    fingerprint = model_fingerprint(model_path)
    run_dir = Path(config.out) if config.out else default_run_dir(config.source, model_name)
    run = RunDirectory(run_dir, resume=config.resume, identity=_identity(config, model_path, fingerprint))
    records = run.finished_records()
    backend = backend or load_backend(config, model_path)
    run.start(
        {
            "config": config.to_dict(),
            "model": {"path": model_path, "fingerprint": fingerprint, "backend": backend.name},
            "problems": {"source": config.source, "count": len(problems), "skipped_rows": len(report.skipped)},
            "git": git_state(),
            "packages": package_versions(),
            "seed": config.sampling.seed,
        }
    )
    started = time.perf_counter()
    status, records_before = "failed", len(records)
    timings = {"generation_s": 0.0, "verification_s": 0.0, "scoring_s": 0.0}
    try:
        _sample_all(config, backend, problems, run, records, progress, timings)
        status = "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        t0 = time.perf_counter()
        new_tokens = sum(int(r["num_tokens"]) for r in records[records_before:])
        summary = summarize(
            problems, records, config.sampling.n, wall_s=t0 - started, new_tokens=new_tokens, scorer=config.scorer
        )
        timings["voting_and_summary_s"] = time.perf_counter() - t0
        timings["wall_s"] = time.perf_counter() - started
        summary["timings"] = {k: round(v, 3) for k, v in timings.items()}
        run.finish(status, records, summary, summary["timings"])
    return SolveResult(run_dir=run_dir, summary=summary, status=status)


def _sample_all(
    config: SolveConfig,
    backend: Backend,
    problems: list[Problem],
    run: RunDirectory,
    records: list[dict[str, Any]],
    progress: bool,
    timings: dict[str, float],
) -> None:
    """Generate and verify every sample not yet in `records`, appending to the run as each chunk finishes."""
    from reasoning.scorers import load_scorer

    scorer = load_scorer(config.scorer) if config.scorer else None
    done = {(r["problem_id"], r["sample_index"]) for r in records}
    n = config.sampling.n
    pending = [p for p in problems if any((p.id, i) not in done for i in range(n))]
    # Similar prompt lengths share a chunk (less padding); seeds are per sample, so order changes no text.
    pending.sort(key=lambda p: len(p.question))
    per_chunk = max(1, config.batch_size // n)
    bar = tqdm(total=len(problems), initial=len(problems) - len(pending), desc="solve", unit="problem", disable=not progress)
    tokens = 0
    for start in range(0, len(pending), per_chunk):
        chunk = pending[start : start + per_chunk]
        slots = []  # (problem, sample index, prompt, seed)
        for problem in chunk:
            prompt = backend.render_prompt(problem.question, system_prompt=config.system_prompt, think=config.think)
            for index in range(n):
                if (problem.id, index) not in done:
                    slots.append((problem, index, prompt, sample_seed(config.sampling.seed, problem.id, index)))
        t0 = time.perf_counter()
        try:
            completions = backend.generate([SampleRequest(p, seed) for _, _, p, seed in slots], config.sampling)
        except BackendError as error:
            # A server backend may fail part-way: keep the samples it did finish before stopping the run.
            finished = getattr(error, "completed", {}) or {}
            kept = sorted(finished)
            _store([slots[i] for i in kept], [finished[i] for i in kept], [False] * len(kept), config, scorer, run, records, timings)
            raise
        completions, forced = _force_answers(config, backend, slots, completions)
        timings["generation_s"] += time.perf_counter() - t0
        tokens += _store(slots, completions, forced, config, scorer, run, records, timings)
        bar.update(len(chunk))
        bar.set_postfix(tok_s=f"{tokens / max(timings['generation_s'], 1e-9):.0f}")
    bar.close()


def _store(
    slots: list,
    completions: list[Completion],
    forced: list[bool],
    config: SolveConfig,
    scorer: Any,
    run: RunDirectory,
    records: list[dict[str, Any]],
    timings: dict[str, float],
) -> int:
    """Verify (and score) finished samples, append them to the run; returns the tokens they hold."""
    import verifiers

    if not slots:
        return 0
    t0 = time.perf_counter()
    keep_logprobs = config.logprobs  # a backend built by the caller may return them unasked
    # Symbolic checks of a chunk run in parallel in the verifiers' worker pool; numbers never leave this process.
    verdicts = verifiers.verify_batch(
        [(completion.text, problem.answer) for (problem, *_), completion in zip(slots, completions)],
        timeout=config.verify_timeout,
    )
    new_records = [
        {
            "problem_id": problem.id,
            "sample_index": index,
            "prompt": prompt,
            "completion": completion.text,
            "num_tokens": completion.num_tokens,
            "finish_reason": completion.finish_reason,
            "forced": was_forced,
            "extracted": verdict.extracted,
            "correct": verdict.correct,
            "status": verdict.status,
            "verdict": verdict.to_dict(),
            "latency_s": round(completion.latency_s, 4),
            "ttft_s": None if completion.ttft_s is None else round(completion.ttft_s, 4),
            "tokens_per_s": round(completion.num_tokens / completion.latency_s, 2) if completion.latency_s else None,
            "logprob_sum": round(sum(completion.logprobs), 4) if keep_logprobs and completion.logprobs else None,
            "logprob_mean": (round(sum(completion.logprobs) / len(completion.logprobs), 4)
                             if keep_logprobs and completion.logprobs else None),
            "gold": problem.answer,
            "seed": seed,
        }
        for (problem, index, prompt, seed), completion, was_forced, verdict in zip(slots, completions, forced, verdicts)
    ]
    timings["verification_s"] += time.perf_counter() - t0
    if scorer is not None:
        t0 = time.perf_counter()
        scores = scorer.score_batch(
            [r["prompt"] for r in new_records], [r["completion"] for r in new_records], [r["correct"] for r in new_records]
        )
        for record, score in zip(new_records, scores):
            record["score"] = score
        timings["scoring_s"] += time.perf_counter() - t0
    run.append(new_records)
    records.extend(new_records)
    return sum(c.num_tokens for c in completions)


def _force_answers(
    config: SolveConfig, backend: Backend, slots: list, completions: list[Completion]
) -> tuple[list[Completion], list[bool]]:
    """Budget forcing (see reasoning.budget): continue samples cut off without an answer with a final-answer prompt."""
    import verifiers

    forced = [False] * len(completions)
    if not config.force_answer:
        return completions, forced
    todo = [
        i for i, c in enumerate(completions) if c.finish_reason == "length" and verifiers.extract_answer(c.text) is None
    ]
    if not todo:
        return completions, forced
    requests, suffixes = [], []
    for i in todo:
        problem, index, prompt, _ = slots[i]
        forcing = forcing_for(prompt, completions[i].text, answer_tokens=config.answer_tokens)
        suffixes.append(forcing.suffix)
        seed = sample_seed(config.sampling.seed, f"{problem.id}#forced", index)
        requests.append(SampleRequest(prompt + completions[i].text + forcing.suffix, seed))
    answer_sampling = replace(config.sampling, max_tokens=config.answer_tokens)
    continuations = backend.generate(requests, answer_sampling)
    completions = list(completions)
    for i, suffix, extra in zip(todo, suffixes, continuations):
        original = completions[i]
        completions[i] = Completion(
            text=original.text + suffix + extra.text,
            token_ids=original.token_ids + extra.token_ids,
            finish_reason=original.finish_reason,
            logprobs=(original.logprobs or ()) + (extra.logprobs or ()) if original.logprobs is not None else None,
            latency_s=original.latency_s + extra.latency_s,
            ttft_s=original.ttft_s,
        )
        forced[i] = True
    return completions, forced
