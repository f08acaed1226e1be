"""Benchmark: `verifiers` against Math-Verify on the golden set, in one process.

    python benchmarks/verifiers_vs_mathverify.py [--golden tests/data/verifiers/golden.jsonl] [--repeat 3]
        [--workers N] [--show-disagreements]

Prints, for each grader, accuracy against the golden labels (a case is right when the grader calls a completion
correct exactly when the label says `correct`), false positives (called correct, label says otherwise), false
negatives, and throughput in verifications per second; ours is timed with one worker and with the pool, and every
figure is also given as a ratio to Math-Verify measured in the same run. Both graders are warmed up first; our
workers' parse caches are emptied before each timed run so that no run profits from the one before. Needs the `dev` extra
(`pip install -e .[dev]`) for Math-Verify; Math-Verify uses `signal.alarm`, so this script runs it in the main thread.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load_cases(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def mathverify_grader():
    try:
        from math_verify import parse, verify
        import logging

        logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # its per-timeout warnings flood the output
    except ImportError:
        sys.exit("Math-Verify is not installed; run `pip install -e .[dev]` (it pins math-verify[antlr4_13_2]).")

    def grade(completion: str, gold: str) -> bool:
        try:
            gold_parsed = parse(f"${gold}$") or parse(gold)
            return bool(verify(gold_parsed, parse(completion)))
        except Exception:  # Math-Verify raises on some inputs; count that as "not correct", as its users do
            return False

    return grade


def score(predicted: list[bool], cases: list[dict]) -> dict:
    expected = [case["expected"] == "correct" for case in cases]
    fp = sum(p and not e for p, e in zip(predicted, expected))
    fn = sum(e and not p for p, e in zip(predicted, expected))
    return {"accuracy": 1 - (fp + fn) / len(cases), "false_positives": fp, "false_negatives": fn}


def timed(function, repeat: int, before=None) -> tuple[list, float]:
    """Run `function` `repeat` times (calling `before` first each time); the last result and the best time."""
    best, result = float("inf"), None
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return result, best


def timed_per_case(grade, pairs: list, repeat: int, before=None) -> tuple[list, list[float]]:
    """Grade pairs one by one; results and, per case, the best time over `repeat` runs."""
    best = [float("inf")] * len(pairs)
    results: list = []
    for _ in range(repeat):
        if before:
            before()
        results = []
        for i, (completion, gold) in enumerate(pairs):
            start = time.perf_counter()
            results.append(grade(completion, gold))
            best[i] = min(best[i], time.perf_counter() - start)
    return results, best


def clear_worker_caches(workers: int):
    """A `before` hook: empty every worker's parse cache, so no timed run reuses the previous run's parses.
    Sequential calls on an idle pool rotate through its FIFO of workers, so each worker gets one call."""
    from verifiers.pool import get_pool

    def before() -> None:
        pool = get_pool(workers)
        for _ in range(pool.size):
            pool.run("verifiers.symbolic:clear_caches", (), timeout=30)

    return before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", type=Path, default=ROOT / "tests/data/verifiers/golden.jsonl",
                        help="golden cases (JSONL with completion, gold, expected)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions; the best is reported")
    parser.add_argument("--workers", type=int, default=None, help="pool size for the pooled run (default: CPUs)")
    parser.add_argument("--show-disagreements", action="store_true", help="list cases where the graders differ")
    args = parser.parse_args()

    from verifiers import verify_batch
    from verifiers.pool import default_workers

    cases = load_cases(args.golden)
    pairs = [(case["completion"], case["gold"]) for case in cases]
    workers = args.workers or default_workers()
    mv_grade = mathverify_grader()

    from verifiers import verify

    # Warm both graders untimed (imports, lazily built parser tables, our worker processes) as they would be
    # in a long evaluation or RL run; the hostile cases are left out of the warm-up to save Math-Verify's timeouts.
    benign_pairs = [p for p, case in zip(pairs, cases) if case["source"] != "hostile"]
    verify_batch(benign_pairs, workers=workers)
    [mv_grade(c, g) for c, g in benign_pairs]
    before = clear_worker_caches(workers)
    ours_single, ours_times = timed_per_case(verify, pairs, args.repeat, before=before)
    ours_pool, t_pool = timed(lambda: verify_batch(pairs, workers=workers), args.repeat, before)
    mv, mv_times = timed_per_case(mv_grade, pairs, args.repeat)
    t_single, t_mv = sum(ours_times), sum(mv_times)
    benign = [i for i, case in enumerate(cases) if case["source"] != "hostile"]

    ours_correct = [v.correct for v in ours_pool]
    assert ours_correct == [v.correct for v in ours_single], "single-worker and pooled runs disagree"
    ours_score, mv_score = score(ours_correct, cases), score(mv, cases)
    n = len(cases)
    rates = {"ours_1": n / t_single, f"ours_{workers}": n / t_pool, "mv": n / t_mv}

    print(f"golden cases: {n} ({sum(c['expected'] == 'correct' for c in cases)} labelled correct)")
    print(f"{'grader':<14}{'accuracy':>10}{'false pos':>11}{'false neg':>11}")
    for name, s in (("verifiers", ours_score), ("math-verify", mv_score)):
        print(f"{name:<14}{s['accuracy']:>10.2%}{s['false_positives']:>11}{s['false_negatives']:>11}")
    mv_errors = mv_score["false_positives"] + mv_score["false_negatives"]
    our_errors = ours_score["false_positives"] + ours_score["false_negatives"]
    print(f"errors: ours {our_errors} vs math-verify {mv_errors} "
          f"(ratio {our_errors / mv_errors:.2f})" if mv_errors else "")
    print("throughput (verifications/s, best of %d):" % args.repeat)
    print(f"  verifiers, 1 worker:  {rates['ours_1']:8.1f}  ({rates['ours_1'] / rates['mv']:.2f}x math-verify)")
    print(f"  verifiers, {workers} workers: {rates[f'ours_{workers}']:8.1f}  "
          f"({rates[f'ours_{workers}'] / rates['mv']:.2f}x math-verify)")
    print(f"  math-verify:          {rates['mv']:8.1f}  (1.00x)")
    ours_benign = len(benign) / sum(ours_times[i] for i in benign)
    mv_benign = len(benign) / sum(mv_times[i] for i in benign)
    print(f"  without the {n - len(benign)} hostile cases (where Math-Verify waits for its timeouts):")
    print(f"  verifiers, 1 worker:  {ours_benign:8.1f}  ({ours_benign / mv_benign:.2f}x math-verify)")
    print(f"  math-verify:          {mv_benign:8.1f}  (1.00x)")
    # RL's common case: integer answers (GSM8K style). Ours never leaves the process or imports SymPy for these.
    integers = [(f"So the total is {k * 37} + 3.\n#### {k * 37 + 3:,}", str(k * 37 + 3)) for k in range(500)]
    _, t_int_ours = timed(lambda: [verify(c, g) for c, g in integers], args.repeat)
    _, t_int_mv = timed(lambda: [mv_grade(c, g) for c, g in integers], args.repeat)
    print(f"  integer answers (500 GSM8K-style): verifiers {len(integers) / t_int_ours:8.0f}/s, math-verify "
          f"{len(integers) / t_int_mv:6.0f}/s ({t_int_mv / t_int_ours:.1f}x)")
    statuses: dict[str, int] = {}
    for v in ours_pool:
        statuses[v.status] = statuses.get(v.status, 0) + 1
    print("our statuses:", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))

    if args.show_disagreements:
        for case, ours, theirs in zip(cases, ours_pool, mv):
            if ours.correct != theirs:
                label = case["expected"] == "correct"
                winner = "ours" if ours.correct == label else "math-verify"
                print(f"  {case['id']} [{winner} right] {case['note']}")


if __name__ == "__main__":
    main()
