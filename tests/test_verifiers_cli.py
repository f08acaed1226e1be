"""`reasoning verify` (verifiers.cli), driven through its own argparse parser."""

import argparse
import json

import pytest

from verifiers import cli


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="reasoning")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.add_parser(sub)
    args = parser.parse_args(["verify", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_single_correct_json(capsys):
    code, out, _ = run([r"so \boxed{\frac{1}{2}}", "--gold", "0.5", "--json"], capsys)
    verdict = json.loads(out)
    assert code == 0 and verdict["status"] == "correct" and verdict["method"] == "numeric"
    assert set(verdict) == {"correct", "status", "method", "extracted", "gold_normalized", "detail"}


def test_single_incorrect_exit_1(capsys):
    code, out, _ = run(["The answer is 3.", "--gold", "4"], capsys)
    assert code == 1 and out.startswith("incorrect")


def test_no_answer_exit_1(capsys):
    assert run(["no idea", "--gold", "4"], capsys)[0] == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["The answer is 3."], "--gold is required"),
        ([], "give a COMPLETION"),
        (["x", "--gold", "1", "--out", "o.jsonl"], "--out only applies"),
        (["x", "--gold", "1", "--timeout", "0"], "--timeout must be positive"),
        (["x", "--gold", "1", "--kind", "nope"], "unknown --kind"),
        (["--file", "/nonexistent/in.jsonl"], "no such file"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and message in err
    assert err.startswith("reasoning verify: error: ") and err.count("\n") == 1


def test_file_mode(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": 1, "response": r"\boxed{4}", "gold": "4"},
        {"id": 2, "response": "The answer is 5.", "gold": "4"},
        {"id": 3, "response": "nothing", "gold": "4"},
        {"id": 4, "response": r"\boxed{\sqrt{16}}", "gold": "4"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out_path = tmp_path / "out.jsonl"
    code, out, _ = run(["--file", str(source), "--out", str(out_path), "--workers", "1"], capsys)
    assert code == 0
    assert "accuracy 50.00% (2/4)" in out and "no_answer: 1" in out and "incorrect: 1" in out
    written = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert [r["id"] for r in written] == [1, 2, 3, 4]
    assert [r["verdict"]["status"] for r in written] == ["correct", "incorrect", "no_answer", "correct"]


def test_file_mode_custom_fields_and_json_summary(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"completion": "#### 7", "answer": "7"}) + "\n")
    code, out, _ = run(["--file", str(source), "--response-field", "completion", "--gold-field", "answer",
                        "--json"], capsys)
    assert code == 0 and json.loads(out) == {"rows": 1, "accuracy": 1.0, "statuses": {"correct": 1}}


def test_file_mode_bad_rows(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text('{"response": "x"}\n')
    code, _, err = run(["--file", str(source)], capsys)
    assert code == 2 and "no field 'gold'" in err
    source.write_text("not json\n")
    code, _, err = run(["--file", str(source)], capsys)
    assert code == 2 and "in.jsonl:1: not valid JSON" in err


def test_module_import_is_cheap():
    import subprocess
    import sys

    code = "import sys, verifiers.cli; assert 'sympy' not in sys.modules and 'latex2sympy2_extended' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=__file__.rsplit("/tests/", 1)[0])
