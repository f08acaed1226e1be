"""Re-score a finished (or interrupted) run with the current verifiers, without sampling again.

The original run is left untouched: the re-scored samples and summary go to `RUN/rescore-<time>/` (or `--out`),
with a small manifest saying what was re-scored, when, and with which verifier settings.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reasoning.runs import RunError, git_state, now_iso, package_versions, read_records
from reasoning.summary import summarize


def _problems_for(manifest: dict[str, Any], records: list[dict[str, Any]]):
    """The run's problems (for breakdowns); falls back to ids and golds from the records if the source moved."""
    import problems as problem_sets
    from problems import Problem

    config = manifest.get("config", {})
    try:
        loaded = problem_sets.load(
            config["source"],
            question_field=config.get("question_field"),
            answer_field=config.get("answer_field"),
            id_field=config.get("id_field"),
            skip_bad=config.get("skip_bad", False),
            limit=config.get("limit"),
        )
    except (problem_sets.ProblemLoadError, KeyError):
        loaded = []
    if loaded:
        return loaded
    seen: dict[str, Problem] = {}
    for record in records:
        seen.setdefault(record["problem_id"], Problem(id=record["problem_id"], question="", answer=record["gold"]))
    return list(seen.values())


def rescore(
    run_dir: str | Path,
    *,
    out: str | Path | None = None,
    timeout: float = 5.0,
    workers: int | None = None,
    scorer: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Re-verify (and optionally re-score) every sample of `run_dir`; returns (output directory, new summary)."""
    import pandas as pd

    import verifiers

    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.exists():
        raise RunError(f"{run_dir}: not a run directory (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    records = read_records(run_dir / "samples.jsonl")
    if not records:
        raise RunError(f"{run_dir}: the run has no samples to re-score")
    verdicts = verifiers.verify_batch([(r["completion"], r["gold"]) for r in records], workers=workers, timeout=timeout)
    for record, verdict in zip(records, verdicts):
        record.update(extracted=verdict.extracted, correct=verdict.correct, status=verdict.status, verdict=verdict.to_dict())
    if scorer:
        from reasoning.scorers import load_scorer

        scores = load_scorer(scorer).score_batch(
            [r["prompt"] for r in records], [r["completion"] for r in records], [r["correct"] for r in records]
        )
        for record, score in zip(records, scores):
            record["score"] = score
    problems = _problems_for(manifest, records)
    n = int(manifest["identity"]["n"])
    summary = summarize(problems, records, n, wall_s=0.0, new_tokens=0, scorer=scorer)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out_dir = Path(out) if out else run_dir / f"rescore-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records).to_parquet(out_dir / "samples.parquet", index=False)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out_dir / "manifest.json").write_text(
        json.dumps(
            {
                "rescored_run": str(run_dir),
                "rescored_at": now_iso(),
                "verify_timeout": timeout,
                "scorer": scorer,
                "git": git_state(),
                "packages": package_versions(),
            },
            indent=2,
        )
        + "\n"
    )
    return out_dir, summary
