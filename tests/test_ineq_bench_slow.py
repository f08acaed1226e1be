"""Slow tier: the whole bundled dataset at the issue's 60 s limit (about 10 minutes on 2 cores)."""

import pytest

from reasoning.ineq.bench import run_bench
from reasoning.ineq.config import ProverConfig
from reasoning.ineq.problem import bundled_path, load_problems


@pytest.mark.slow
def test_bundled_dataset_solve_rates(tmp_path):
    summary = run_bench(load_problems(bundled_path()), ProverConfig(timeout_s=60), tmp_path, workers=2)
    tiers = summary["by_tier"]
    easy_medium = (tiers["easy"]["proved"] + tiers["medium"]["proved"]) / (
        tiers["easy"]["problems"] + tiers["medium"]["problems"])
    assert easy_medium >= 0.95
    assert tiers["hard"]["rate"] >= 0.70
    assert summary["statuses"].get("check_failed", 0) == 0
