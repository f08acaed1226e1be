"""The `reasoning` command line: one-line errors with exit code 2, and the solve table."""

from __future__ import annotations

import json

import pytest

from reasoning.cli import main


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def test_unknown_problem_set_is_one_line(capsys):
    assert main(["solve", "no-such-set", "--model", "unused"]) == 2
    assert "no-such-set: no such file, and not a bundled problem set" in _error_line(capsys)


def test_bad_row_names_file_and_line(tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    path.write_text('{"question": "q", "answer": "1"}\n{"question": "q2"}\n')
    assert main(["solve", str(path), "--model", "unused"]) == 2
    assert f"{path}:2: no answer" in _error_line(capsys)


def test_bad_flag_values_say_the_fix(capsys):
    assert main(["solve", "arith-test", "--top-p", "0", "--model", "unused"]) == 2
    assert "top_p must be in (0, 1]" in _error_line(capsys)
    assert main(["solve", "arith-test", "--resume"]) == 2
    assert "--resume needs --out" in _error_line(capsys)


def test_missing_model_directory_is_one_line(tmp_path, capsys):
    assert main(["solve", "arith-test", "--model", str(tmp_path / "nope"), "--limit", "1", "--out", str(tmp_path / "r")]) == 2
    assert "cannot load model" in _error_line(capsys)


def test_solve_prints_the_summary_table(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["solve", "arith-test", "--model", str(tiny_model_dir), "--limit", "3", "-n", "4", "--max-tokens", "16",
                 "--effort", "low", "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    for label in ("problems", "samples", "pass@1", "maj@4", "pass@4", "tokens generated", "tokens/s", "wall time"):
        assert label in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["effort"] == "low" and manifest["config"]["sampling"]["max_tokens"] == 16


def test_effort_sets_the_budget_when_max_tokens_is_absent(tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    assert main(["solve", "arith-test", "--model", str(tiny_model_dir), "--limit", "1", "-n", "1", "--effort", "low",
                 "--temperature", "0", "--out", str(out), "--quiet", "--no-force-answer"]) == 0
    assert json.loads((out / "manifest.json").read_text())["config"]["sampling"]["max_tokens"] == 1024
