"""The `solve` engine: sample n chains of thought per problem, verify each, vote, and stream it all to a run.

Flow per chunk of problems: build prompts through the model's chat template -> backend.generate (one request per
sample, each with its own seed) -> verifiers.verify against the gold -> append the records to samples.jsonl.
When the run stops (done or interrupted) the summary is computed from every record on disk, including those of
earlier attempts when resuming.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

import problems as problem_sets
from problems import Problem
from reasoning.backends.base import Backend, SampleRequest, sample_seed
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
    from reasoning.backends.transformers_backend import TransformersBackend

    return TransformersBackend(model_path, batch_size=config.batch_size)


def _identity(config: SolveConfig, model_path: str, fingerprint: str | None) -> dict[str, Any]:
    """Settings that must not change between an interrupted run and its resume."""
    sampling = config.sampling
    return {
        "source": config.source,
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
    try:
        _sample_all(config, backend, problems, run, records, progress)
        status = "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        wall = time.perf_counter() - started
        new_tokens = sum(int(r["num_tokens"]) for r in records[records_before:])
        summary = summarize(problems, records, config.sampling.n, wall_s=wall, new_tokens=new_tokens)
        run.finish(status, records, summary, {"wall_s": round(wall, 3)})
    return SolveResult(run_dir=run_dir, summary=summary, status=status)


def _sample_all(
    config: SolveConfig,
    backend: Backend,
    problems: list[Problem],
    run: RunDirectory,
    records: list[dict[str, Any]],
    progress: bool,
) -> None:
    """Generate and verify every sample not yet in `records`, appending to the run as each chunk finishes."""
    import verifiers

    done = {(r["problem_id"], r["sample_index"]) for r in records}
    n = config.sampling.n
    pending = [p for p in problems if any((p.id, i) not in done for i in range(n))]
    # Similar prompt lengths share a chunk (less padding); seeds are per sample, so order changes no text.
    pending.sort(key=lambda p: len(p.question))
    per_chunk = max(1, config.batch_size // n)
    bar = tqdm(total=len(problems), initial=len(problems) - len(pending), desc="solve", unit="problem", disable=not progress)
    tokens, generation_s = 0, 0.0
    for start in range(0, len(pending), per_chunk):
        chunk = pending[start : start + per_chunk]
        slots = []  # (problem, sample index, prompt, seed)
        for problem in chunk:
            prompt = backend.render_prompt(problem.question, system_prompt=config.system_prompt, think=config.think)
            for index in range(n):
                if (problem.id, index) not in done:
                    slots.append((problem, index, prompt, sample_seed(config.sampling.seed, problem.id, index)))
        t0 = time.perf_counter()
        completions = backend.generate([SampleRequest(prompt, seed) for _, _, prompt, seed in slots], config.sampling)
        generation_s += time.perf_counter() - t0
        new_records = []
        for (problem, index, prompt, seed), completion in zip(slots, completions):
            verdict = verifiers.verify(completion.text, problem.answer, timeout=config.verify_timeout)
            new_records.append(
                {
                    "problem_id": problem.id,
                    "sample_index": index,
                    "prompt": prompt,
                    "completion": completion.text,
                    "num_tokens": completion.num_tokens,
                    "finish_reason": completion.finish_reason,
                    "extracted": verdict.extracted,
                    "correct": verdict.correct,
                    "status": verdict.status,
                    "verdict": verdict.to_dict(),
                    "latency_s": round(completion.latency_s, 4),
                    "gold": problem.answer,
                    "seed": seed,
                }
            )
            tokens += completion.num_tokens
        run.append(new_records)
        records.extend(new_records)
        bar.update(len(chunk))
        bar.set_postfix(tok_s=f"{tokens / max(generation_s, 1e-9):.0f}")
    bar.close()
