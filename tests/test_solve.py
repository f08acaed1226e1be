"""The solve engine end to end on a real tiny model: determinism, run files, manifest, resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from reasoning.config import ConfigError, SamplingConfig, SolveConfig
from reasoning.runs import RunError
from reasoning.solve import solve

ROOT = Path(__file__).resolve().parents[1]


def _run(tiny_backend, out: Path, **overrides):
    sampling = SamplingConfig(**{"n": 3, "max_tokens": 24, "seed": 0, **overrides.pop("sampling", {})})
    config = SolveConfig(source="arith-test", limit=4, out=str(out), sampling=sampling, batch_size=8, **overrides)
    return solve(config, progress=False, backend=tiny_backend)


def _samples(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "samples.parquet").sort_values(["problem_id", "sample_index"]).reset_index(drop=True)


def test_same_seed_same_samples_other_seed_other_samples(tiny_backend, tmp_path):
    a = _samples(_run(tiny_backend, tmp_path / "a").run_dir)
    b = _samples(_run(tiny_backend, tmp_path / "b").run_dir)
    c = _samples(_run(tiny_backend, tmp_path / "c", sampling={"seed": 1}).run_dir)
    assert a.completion.tolist() == b.completion.tolist()
    assert a.completion.tolist() != c.completion.tolist()


def test_greedy_is_deterministic_across_samples(tiny_backend, tmp_path):
    frame = _samples(_run(tiny_backend, tmp_path / "g", sampling={"temperature": 0.0}).run_dir)
    assert frame.groupby("problem_id").completion.nunique().eq(1).all()


def test_run_files_and_manifest(tiny_backend, tmp_path, tiny_model_dir):
    result = _run(tiny_backend, tmp_path / "run")
    frame = _samples(result.run_dir)
    assert len(frame) == 12 and set(frame.sample_index) == {0, 1, 2}
    expected = {"problem_id", "sample_index", "prompt", "completion", "num_tokens", "finish_reason", "extracted",
                "correct", "status", "verdict", "latency_s"}
    assert expected <= set(frame.columns)
    assert set(frame.finish_reason) <= {"stop", "length"} and (frame[~frame.forced].num_tokens <= 24).all()
    assert (frame.ttft_s > 0).all() and (frame.ttft_s <= frame.latency_s).all() and (frame.tokens_per_s > 0).all()
    assert frame.prompt.str.contains("<|assistant|>", regex=False).all()  # the model's chat template was applied
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["schema_version"] == 1 and manifest["status"] == "completed"
    assert manifest["config"]["sampling"]["n"] == 3 and manifest["seed"] == 0
    assert manifest["model"]["path"] == str(tiny_model_dir) and len(manifest["model"]["fingerprint"]) == 16
    assert {"torch", "transformers", "python"} <= set(manifest["packages"])
    assert "commit" in manifest["git"] and manifest["started_at"] <= manifest["ended_at"]
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["problems"] == 4 and summary["samples"] == 12
    assert summary["pass_at_k"]["1"] == pytest.approx(frame.correct.mean())


def test_logprobs_are_recorded_only_when_asked(tiny_backend, tmp_path):
    plain = _samples(_run(tiny_backend, tmp_path / "plain").run_dir)
    assert plain.logprob_sum.isna().all() and plain.logprob_mean.isna().all()
    scored = _samples(_run(tiny_backend, tmp_path / "lp", logprobs=True).run_dir)
    assert list(scored.completion) == list(plain.completion)  # asking for log-probs changes no sample
    assert (scored.logprob_sum <= 0).all() and (scored.logprob_sum < 0).any()
    rows = scored[(scored.num_tokens > 0) & (scored.logprob_mean < 0)]
    assert len(rows) and ((rows.logprob_sum / rows.logprob_mean).round() == rows.num_tokens).all()


def test_existing_run_needs_resume_and_same_settings(tiny_backend, tmp_path):
    _run(tiny_backend, tmp_path / "r")
    with pytest.raises(RunError, match="already exists; pass --resume"):
        _run(tiny_backend, tmp_path / "r")
    with pytest.raises(RunError, match=r"cannot resume with different settings \(seed: 0 -> 5\)"):
        _run(tiny_backend, tmp_path / "r", resume=True, sampling={"seed": 5})
    before = _samples(tmp_path / "r")
    _run(tiny_backend, tmp_path / "r", resume=True)  # nothing left to do: nothing is redone
    assert _samples(tmp_path / "r").equals(before)


def test_config_errors_say_how_to_fix():
    with pytest.raises(ConfigError, match="--resume needs --out"):
        SolveConfig(source="arith-test", resume=True)
    with pytest.raises(ConfigError, match="top_p must be in"):
        SamplingConfig(top_p=0)


def _restore_sigint() -> None:
    # a test run started in the background (`cmd &` in a script) inherits SIGINT ignored, and Python then installs
    # no KeyboardInterrupt handler: the SIGINT test's run went on to the end. Ctrl-C reaches a foreground run.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "reasoning", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_restore_sigint, **kwargs)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_resume_after_kill_redoes_nothing_and_loses_nothing(tiny_model_dir, tmp_path, how):
    out = tmp_path / "killed"
    args = ["solve", "arith-test", "--model", str(tiny_model_dir), "--limit", "12", "-n", "2", "--batch-size", "4",
            "--max-tokens", "24", "--out", str(out), "--quiet"]
    process = _cli(*args)
    deadline = time.time() + 300
    while len(_lines(out / "samples.jsonl")) < 4 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()[0]
    process.send_signal(how)
    process.wait(timeout=60)
    before = _lines(out / "samples.jsonl")
    assert 4 <= len(before) < 24, "the kill should land mid-run"
    if how == signal.SIGINT:  # a clean interruption closes the run with its status and summary
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
        assert (out / "samples.parquet").exists()
    with (out / "samples.jsonl").open("a") as handle:  # a torn last line, as a kill mid-write leaves
        handle.write('{"problem_id": "half')
    resumed = _cli(*args, "--resume")
    output, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, output
    after = _lines(out / "samples.jsonl")
    keys = [(r["problem_id"], r["sample_index"]) for r in after]
    assert len(keys) == len(set(keys)) == 24  # every sample exactly once
    assert after[: len(before)] == before  # finished samples kept verbatim, not redone
    assert json.loads((out / "manifest.json").read_text())["status"] == "completed"
    assert "pass@1" in output and "maj@2" in output


def test_budget_forcing_asks_cut_off_samples_for_an_answer(tiny_backend, tmp_path):
    result = _run(tiny_backend, tmp_path / "f", sampling={"max_tokens": 6}, answer_tokens=5)
    frame = _samples(result.run_dir)
    cut = frame[frame.finish_reason == "length"]
    assert len(cut) > 0
    # A sample is forced exactly when it hit the budget with no answer; the forced text carries the prompt for one.
    import verifiers

    unanswered = cut.completion.map(lambda text: verifiers.extract_answer(text.split("\n\nFinal answer:")[0]) is None)
    assert cut.forced.tolist() == unanswered.tolist()
    forced = frame[frame.forced]
    assert forced.completion.str.contains("Final answer: \\boxed{", regex=False).all()
    assert (forced.num_tokens <= 6 + 5).all() and (frame[~frame.forced].num_tokens <= 6).all()
    assert json.loads((result.run_dir / "summary.json").read_text())["forced"] == int(frame.forced.sum())


def test_rescore_rejudges_without_resampling(tiny_backend, tmp_path):
    result = _run(tiny_backend, tmp_path / "s")
    samples = result.run_dir / "samples.jsonl"
    rows = _lines(samples)
    rows[0]["completion"], rows[0]["gold"] = "so \\boxed{\\frac{2}{4}}", "0.5"  # a sample the verifiers must accept
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    from reasoning.rescore import rescore

    out, summary = rescore(result.run_dir, out=tmp_path / "re")
    frame = pd.read_parquet(out / "samples.parquet")
    assert frame.completion.tolist() == [r["completion"] for r in rows]  # nothing resampled
    assert frame.correct.iloc[0] and frame.status.iloc[0] == "correct"
    assert summary["samples"] == 12 and (out / "summary.json").exists()
