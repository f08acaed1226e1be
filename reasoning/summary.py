"""Run summaries: pass@k, maj@k, token throughput, and breakdowns by level/subject, as a dict and a printed table."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from problems import Problem
from reasoning.aggregation import cluster_answers, k_values, maj_at_k, majority, pass_at_k
from reasoning.scorers import best_of_n, weighted_vote

# Problem meta fields that results are broken down by, when the problem set has them.
BREAKDOWN_FIELDS = ("source", "difficulty", "level", "task", "subject", "type")


def _problem_metrics(problem: Problem, rows: list[dict[str, Any]], ks: list[int]) -> dict[str, Any]:
    import verifiers

    rows = sorted(rows, key=lambda r: r["sample_index"])
    answers = [r["extracted"] for r in rows]
    clusters = cluster_answers(answers, key=verifiers.answer_key, equivalent=verifiers.answers_equivalent)
    # A class is correct when its first sample was judged correct against the gold.
    first_of_class: dict[int, int] = {}
    for i, label in enumerate(clusters.label):
        if label is not None:
            first_of_class.setdefault(label, i)
    correct_classes = {label for label, i in first_of_class.items() if rows[i]["correct"]}
    vote = majority(clusters.label)
    n, c = len(rows), sum(bool(r["correct"]) for r in rows)
    scored = {}
    scores = [r.get("score") for r in rows]
    if all(s is not None for s in scores):
        weighted = weighted_vote(clusters.label, scores)
        scored = {
            "weighted_vote_correct": weighted in correct_classes,
            "best_of_n_correct": bool(rows[best_of_n(scores)]["correct"]),
        }
    return {
        **scored,
        "id": problem.id,
        "samples": n,
        "correct": c,
        "majority_answer": None if vote is None else clusters.representative[vote],
        "majority_correct": vote in correct_classes,
        "pass_at_k": {k: pass_at_k(n, c, k) for k in ks if k <= n},
        "maj_at_k": {k: maj_at_k(clusters.label, correct_classes, k) for k in ks if k <= n},
        "meta": {f: problem.meta[f] for f in BREAKDOWN_FIELDS if f in problem.meta}
        | ({"source": problem.source} if problem.source else {}),
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarize(
    problems: list[Problem],
    records: list[dict[str, Any]],
    n: int,
    *,
    wall_s: float,
    new_tokens: int,
    scorer: str | None = None,
) -> dict[str, Any]:
    """Metrics over the problems that have all n samples; partially sampled problems are counted apart."""
    ks = k_values(n)
    by_problem: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_problem[record["problem_id"]].append(record)
    complete = [p for p in problems if len(by_problem.get(p.id, [])) >= n]
    per_problem = [_problem_metrics(p, by_problem[p.id][:n], ks) for p in complete]
    statuses: dict[str, int] = defaultdict(int)
    for record in records:
        statuses[record["status"]] += 1

    def overall(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "problems": len(items),
            "pass_at_k": {k: _mean([m["pass_at_k"][k] for m in items]) for k in ks},
            "maj_at_k": {k: _mean([m["maj_at_k"][k] for m in items]) for k in ks},
            "majority_accuracy": _mean([float(m["majority_correct"]) for m in items]),
            **{
                f"{key}_accuracy": _mean([float(m[f"{key}_correct"]) for m in items])
                for key in ("weighted_vote", "best_of_n")
                if items and all(f"{key}_correct" in m for m in items)
            },
        }

    breakdowns: dict[str, dict[str, Any]] = {}
    for field in BREAKDOWN_FIELDS:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for metrics in per_problem:
            if field in metrics["meta"]:
                groups[str(metrics["meta"][field])].append(metrics)
        if len(groups) > 1:
            breakdowns[field] = {value: overall(items) for value, items in sorted(groups.items())}
    tokens = sum(int(r["num_tokens"]) for r in records)
    return {
        "problems": len(problems),
        "problems_complete": len(complete),
        "samples": len(records),
        "n": n,
        "ks": ks,
        **overall(per_problem),
        "scorer": scorer,
        "scorer_is_oracle": scorer == "oracle",
        "status_counts": dict(statuses),
        "truncated": sum(r["finish_reason"] == "length" for r in records),
        "forced": sum(bool(r.get("forced")) for r in records),
        "tokens_generated": tokens,
        "tokens_per_s": new_tokens / wall_s if wall_s > 0 else 0.0,
        "wall_s": wall_s,
        "by": breakdowns,
        "per_problem": per_problem,
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The table `reasoning solve` prints."""
    n = summary["n"]
    pass_k, maj_k = summary["pass_at_k"], summary["maj_at_k"]
    pct = lambda x: f"{100 * x:5.1f}%"  # noqa: E731
    lines = [
        f"{'problems':<18}{summary['problems_complete']} / {summary['problems']}",
        f"{'samples':<18}{summary['samples']}  (n={n})",
        f"{'pass@1':<18}{pct(pass_k.get(1, 0.0))}",
        *([f"{f'maj@{n}':<18}{pct(maj_k.get(n, 0.0))}", f"{f'pass@{n}':<18}{pct(pass_k.get(n, 0.0))}"] if n > 1 else []),
        f"{'tokens generated':<18}{summary['tokens_generated']}  ({summary['truncated']} hit the budget, "
        f"{summary['forced']} forced to answer)",
        f"{'tokens/s':<18}{summary['tokens_per_s']:.0f}",
        f"{'wall time':<18}{summary['wall_s']:.1f} s",
    ]
    if "weighted_vote_accuracy" in summary:
        oracle = "  (oracle: uses the gold answer, an upper bound)" if summary["scorer_is_oracle"] else ""
        lines.append(f"{'weighted vote':<18}{pct(summary['weighted_vote_accuracy'])}  scorer {summary['scorer']}{oracle}")
        lines.append(f"{f'best-of-{n}':<18}{pct(summary['best_of_n_accuracy'])}")
    if len(summary["ks"]) > 1:
        lines.append("")
        lines.append(f"{'k':>6}{'pass@k':>10}{'maj@k':>10}")
        for k in summary["ks"]:
            lines.append(f"{k:>6}{pct(pass_k[k]):>10}{pct(maj_k[k]):>10}")
    for field, groups in summary["by"].items():
        lines.append("")
        lines.append(f"{field:<14}{'problems':>9}{'pass@1':>9}{f'maj@{n}':>9}")
        for value, metrics in groups.items():
            lines.append(
                f"{value:<14}{metrics['problems']:>9}{pct(metrics['pass_at_k'][1]):>9}{pct(metrics['maj_at_k'][n]):>9}"
            )
    return "\n".join(lines)
