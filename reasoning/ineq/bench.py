"""Benchmark runner: prove every problem of a JSONL file in worker processes, with a hard wall-clock limit each.

Writes to `out`: `results.jsonl` (one record per problem, appended as they finish, so an interrupted run resumes),
`certs/<id>.json`, `traces.jsonl` (search traces for policy training, with the indices of the labels the time limit
decided: `cut_short`, `open_subtrees`; see `policy.trace_samples`) and `summary.json` (solve rates by tier and
tag, medians, resolved config, versions, git commit). Every certificate is re-checked here, in the parent process,
by the independent checker; a proof whose certificate fails the check counts as unsolved and is flagged.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import platform
import statistics
import subprocess
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from reasoning.ineq.checker import check_certificate
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.problem import Problem

SCHEMA = "reasoning-ineq-bench/1"
GRACE_S = 15.0  # extra wall-clock seconds before a worker is killed (imports, certificate checking)


def _worker(problem_dict: dict, config: ProverConfig, conn) -> None:
    from reasoning.ineq.search import prove

    try:
        result = prove(Problem.from_dict(problem_dict), config)
        conn.send({"status": result.status, "seconds": result.seconds, "nodes": result.nodes,
                   "method": result.method, "message": result.message[:500], "certificate": result.certificate,
                   "counterexample": result.counterexample, "trace": result.trace,
                   "cut_short": result.cut_short, "open_subtrees": result.open_subtrees})
    except Exception as error:  # reported as the problem's status; the run goes on
        conn.send({"status": "error", "message": f"{type(error).__name__}: {error}"[:500]})
    finally:
        conn.close()


def _finish(problem: Problem, payload: dict, elapsed: float, out: Path) -> tuple[dict, dict]:
    record = {"id": problem.id, "tier": problem.tier, "tags": list(problem.tags), "status": payload["status"],
              "seconds": round(payload.get("seconds", elapsed), 4), "wall_seconds": round(elapsed, 4),
              "nodes": payload.get("nodes", 0), "method": payload.get("method", ""),
              "message": payload.get("message", ""), "certificate": "", "check": ""}
    cert = payload.get("certificate")
    if cert is not None:
        verdict = check_certificate(cert, expected=problem)
        record["check"] = verdict.status
        if verdict.valid:
            path = out / "certs" / f"{problem.id}.json"
            path.write_text(json.dumps(cert, indent=1) + "\n")
            record["certificate"] = str(path.relative_to(out))
        else:
            record["status"] = "check_failed"
            record["message"] = verdict.reason
    if payload.get("counterexample"):
        record["counterexample"] = payload["counterexample"]
    return record, {"trace": payload.get("trace", []), "cut_short": payload.get("cut_short", []),
                    "open_subtrees": payload.get("open_subtrees", [])}


def warm_imports() -> None:
    """Import the heavy modules once in the parent, so forked workers start without paying for them."""
    import scipy.optimize  # noqa: F401

    import reasoning.ineq.finishers.amgm_lp  # noqa: F401
    import reasoning.ineq.finishers.buffalo  # noqa: F401
    import reasoning.ineq.finishers.sos_sdp  # noqa: F401
    import reasoning.ineq.numeric  # noqa: F401
    import reasoning.ineq.search  # noqa: F401

    try:
        import cvxpy  # noqa: F401
    except ImportError:
        pass
    # one small proof, so that first-call set-up (solver libraries, caches) is paid here once and not inside the
    # first timed proof of every forked worker; the Triple-SOS runner in benchmarks/ warms up the same way
    from reasoning.ineq.search import prove

    prove(Problem(id="warm-up", vars=("a", "b"), domain="positive", goal="a^2 + b^2 >= 2*a*b"),
          ProverConfig(timeout_s=30, counterexample_samples=100))


def run_bench(problems: list[Problem], config: ProverConfig, out: str | Path, workers: int = 1,
              label: str = "") -> dict:
    """Prove all problems (skipping ones already recorded in out/results.jsonl) and write the summary."""
    warm_imports()
    out = Path(out)
    (out / "certs").mkdir(parents=True, exist_ok=True)
    results_path = out / "results.jsonl"
    done = {}
    if results_path.exists():
        for line in results_path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                done[record["id"]] = record
    todo = [p for p in problems if p.id not in done]
    ctx = mp.get_context("fork")
    active: list = []
    start = time.monotonic()
    with open(results_path, "a") as results, open(out / "traces.jsonl", "a") as traces:
        while todo or active:
            while todo and len(active) < workers:
                problem = todo.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, args=(problem.to_dict(), config, child), daemon=True)
                proc.start()
                child.close()
                active.append((problem, proc, parent, time.monotonic()))
            time.sleep(0.02)
            for item in list(active):
                problem, proc, conn, began = item
                elapsed = time.monotonic() - began
                payload = None
                if conn.poll():
                    try:
                        payload = conn.recv()
                    except EOFError:
                        payload = {"status": "error", "message": "worker died"}
                elif not proc.is_alive():
                    payload = {"status": "error", "message": f"worker exited with code {proc.exitcode}"}
                elif elapsed > config.timeout_s + GRACE_S:
                    proc.kill()
                    payload = {"status": "timeout", "message": "killed at the wall-clock limit"}
                if payload is None:
                    continue
                proc.join(timeout=5)
                conn.close()
                active.remove(item)
                record, labels = _finish(problem, payload, elapsed, out)
                record["policy"] = label or config.policy
                done[problem.id] = record
                results.write(json.dumps(record) + "\n")
                results.flush()
                traces.write(json.dumps({"id": problem.id, **labels}) + "\n")
    records = [done[p.id] for p in problems if p.id in done]
    summary = summarize(records)
    summary.update(manifest(config, label, time.monotonic() - start, len(problems)))
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def summarize(records: list[dict]) -> dict:
    """Solve rates by tier and tag; median seconds and nodes over solved problems."""
    def block(rs: list[dict]) -> dict:
        solved = [r for r in rs if r["status"] == "proved"]
        return {"problems": len(rs), "proved": len(solved), "rate": round(len(solved) / max(len(rs), 1), 4),
                "median_seconds": round(statistics.median([r["seconds"] for r in solved]), 4) if solved else None,
                "median_nodes": statistics.median([r["nodes"] for r in solved]) if solved else None}

    by_tier, by_tag = defaultdict(list), defaultdict(list)
    for r in records:
        by_tier[r["tier"] or "untiered"].append(r)
        for tag in r["tags"]:
            by_tag[tag].append(r)
    statuses = defaultdict(int)
    for r in records:
        statuses[r["status"]] += 1
    return {"schema": SCHEMA, "overall": block(records), "by_tier": {k: block(v) for k, v in sorted(by_tier.items())},
            "by_tag": {k: block(v) for k, v in sorted(by_tag.items())}, "statuses": dict(statuses),
            "unsolved": sorted(r["id"] for r in records if r["status"] != "proved")}


def manifest(config: ProverConfig, label: str, seconds: float, count: int) -> dict:
    import numpy
    import scipy
    import sympy

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True,
                                    timeout=5).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", None
    versions = {"python": platform.python_version(), "sympy": sympy.__version__, "numpy": numpy.__version__,
                "scipy": scipy.__version__}
    try:
        import cvxpy

        versions["cvxpy"] = cvxpy.__version__
    except ImportError:
        pass
    return {"config": {**config.to_dict(), "finishers": list(config.finishers)}, "label": label,
            "git_commit": commit, "git_dirty": dirty, "versions": versions, "seconds": round(seconds, 2),
            "problem_count": count, "machine": platform.machine(), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                          time.gmtime())}


def with_policy(config: ProverConfig, path: str) -> ProverConfig:
    return replace(config, policy="learned", policy_path=path)
