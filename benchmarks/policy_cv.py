"""Cross-validate learned-policy training options with the real prover, on the data of an `ineq_bench.py` run.

    python benchmarks/policy_cv.py runs/ineq_bench --option base= --option wd2=weight_decay=1e-2 \
        --option nospecial=exclude=min_special+tight_special \
        [--seeds 0,10,20] [--heldout]   # ~1 min per option, seed and fold on 2 cores, once the bench's data exist

`ineq_bench.py` trains the learned policy on the training split's exploring searches (`explore/`) and on the
synthetic problems rewritten from the training split (`synthetic/`), and reads its figure on the held-out split.
Choosing training options by that figure would leak the held-out split into the model, and replaying recorded
trees (`policy_replay.py`) needs a separate collection. This script splits the training split into two folds
(the sha256 folds of `policy_replay.py`), trains on one fold's exploring searches and on the rewrites of that
fold's problems only, runs the prover with that policy on the other fold's problems (`run_bench`, the bench's own
time limit), and prints per option the nodes summed over both folds and the problems solved, as the mean
(min-max) over member seeds, next to the heuristic's nodes on the same problems from the bench's `heuristic/` arm.
`--heldout` also trains each option on the whole training split and runs it on the held-out split (for reading
only, once an option is chosen). Results go under RUN/cv/OPTION/seedS/..., so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ineq_bench import split_of  # noqa: E402  (the same split)
from policy_replay import _spread, cv_fold, seed_problem  # noqa: E402  (the same folds and origins)
from reasoning.ineq.bench import run_bench  # noqa: E402
from reasoning.ineq.config import ProverConfig  # noqa: E402
from reasoning.ineq.policy import SCORING_SETTINGS, LearnedPolicy, trace_samples  # noqa: E402
from reasoning.ineq.problem import bundled_path, load_problems  # noqa: E402


def parse_option(text: str) -> tuple[str, dict]:
    """'name=key=value,key=value' -> (name, {key: number, true/false or list}); 'name=' is the defaults; a value
    with '+' is a list ('exclude=min_special+tight_special')."""
    name, _, rest = text.partition("=")
    options = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if value in ("true", "false"):
            options[key] = value == "true"
        elif "+" in value or key == "exclude":
            options[key] = [v for v in value.split("+") if v]
        else:
            options[key] = float(value) if "." in value or "e" in value.lower() else int(value)
    return name, options


LABEL_OPTIONS = ("drop_cut_short", "drop_open")  # options of `trace_samples`, not of `LearnedPolicy.train`


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _train(rows: list[dict], seed: int, options: dict) -> LearnedPolicy:
    """Trained as `ineq_bench.py` trains it; `LABEL_OPTIONS` choose the samples `trace_samples` keeps, the scoring
    settings (`SCORING_SETTINGS`: temperature, substitution_cost, heuristic_share) are set on the trained policy and
    saved with it, the other options are passed to `LearnedPolicy.train`."""
    labels = {k: v for k, v in options.items() if k in LABEL_OPTIONS}
    samples, problems = trace_samples(rows, **labels)
    scoring = {k: v for k, v in options.items() if k in SCORING_SETTINGS}
    training = {k: v for k, v in options.items() if k not in scoring and k not in labels}
    if "exclude" in training:
        training["exclude"] = tuple(training["exclude"])
    policy = LearnedPolicy.train(samples, problems=problems, seed=seed, **training)
    return replace(policy, **scoring)


def _evaluate(out: Path, rows: list[dict], problems, seed: int, options: dict, timeout: float,
              workers: int) -> tuple[int, int]:
    """(solved, nodes) of the policy trained on `rows`, run on `problems`; resumes a run with the same settings."""
    out.mkdir(parents=True, exist_ok=True)
    settings, recorded = {"options": options, "seed": seed, "timeout": timeout}, out / "settings.json"
    if recorded.exists() and json.loads(recorded.read_text()) != settings:
        raise SystemExit(f"{out}: results of other settings ({recorded.read_text()}); use another option name")
    recorded.write_text(json.dumps(settings))
    policy_path = out / "policy.json"
    if not policy_path.exists():
        _train(rows, seed, options).save(policy_path)
    run_bench(problems, ProverConfig(timeout_s=timeout, policy="learned", policy_path=str(policy_path)), out,
              workers=workers, label=out.name)
    results = {r["id"]: r for r in _rows(out / "results.jsonl")}
    return (sum(results[p.id]["status"] == "proved" for p in problems),
            sum(results[p.id]["nodes"] for p in problems))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="an ineq_bench.py output directory (explore/ and synthetic/ traces)")
    ap.add_argument("--option", action="append", required=True,
                    help="NAME=key=value,...: LearnedPolicy.train options to compare (NAME= for the defaults)")
    ap.add_argument("--file", default=str(bundled_path()), help="the problems JSONL the bench ran on")
    ap.add_argument("--seeds", default="0,10,20", help="comma list of member seeds (LearnedPolicy.train(seed=))")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per problem (the bench's limit)")
    ap.add_argument("--workers", type=int, default=2, help="parallel prover processes")
    ap.add_argument("--heldout", action="store_true",
                    help="also train on the whole training split and run on the held-out split (reading only)")
    args = ap.parse_args()
    problems = load_problems(args.file)
    train = [p for p in problems if split_of(p.id) == "train"]
    held = [p for p in problems if split_of(p.id) == "heldout"]
    explore, synthetic = _rows(args.run / "explore" / "traces.jsonl"), _rows(args.run / "synthetic" / "traces.jsonl")
    if not explore:
        print(f"{args.run}/explore/traces.jsonl: no training traces; run benchmarks/ineq_bench.py first",
              file=sys.stderr)
        return 2
    train_ids = [p.id for p in train]
    origin = {row["id"]: seed_problem(row["id"], train_ids) for row in synthetic}
    heuristic = {r["id"]: r for r in _rows(args.run / "heuristic" / "results.jsonl")}
    missing = [p.id for p in problems if p.id not in heuristic]
    if missing:
        print(f"{args.run}/heuristic/results.jsonl: no result for {len(missing)} problems of {args.file} "
              f"({', '.join(missing[:3])}, ...); was the bench run on another file?", file=sys.stderr)
        return 2

    def rows_of(ids: set[str]) -> list[dict]:
        return [r for r in explore if r["id"] in ids] + [r for r in synthetic if origin[r["id"]] in ids]

    base = sum(heuristic[p.id]["nodes"] for p in train)
    base_held = sum(heuristic[p.id]["nodes"] for p in held)
    print(f"training split {len(train)} problems (heuristic {base} nodes), held-out {len(held)} "
          f"(heuristic {base_held} nodes); {len(synthetic)} synthetic rewrites")
    seeds = [int(s) for s in args.seeds.split(",")]
    for text in args.option:
        name, options = parse_option(text)
        cv, solved, held_nodes, held_solved = [], [], [], []
        for seed in seeds:
            total_solved = total_nodes = 0
            for k in (0, 1):
                fit = {p.id for p in train if cv_fold(p.id) != k}
                scored = [p for p in train if cv_fold(p.id) == k]
                s, n = _evaluate(args.run / "cv" / name / f"seed{seed}" / f"fold{k}", rows_of(fit),
                                 scored, seed, options, args.timeout, args.workers)
                total_solved, total_nodes = total_solved + s, total_nodes + n
            cv.append(total_nodes)
            solved.append(total_solved)
            if args.heldout:
                s, n = _evaluate(args.run / "cv" / name / f"seed{seed}" / "heldout",
                                 rows_of(set(train_ids)), held, seed, options, args.timeout, args.workers)
                held_nodes.append(n)
                held_solved.append(s)
        line = f"{name:12} {json.dumps(options):32} cv nodes {_spread(cv)}, solved {_spread(solved)}"
        if args.heldout:
            line += f" | held-out nodes {_spread(held_nodes)} (vs heuristic {base_held}), solved {_spread(held_solved)}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
