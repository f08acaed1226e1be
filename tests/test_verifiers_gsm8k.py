"""GSM8K: every gold in the real test split, judged against itself written differently, must be correct.

The gold is the text after `####` with thousands separators removed. Skipped when the dataset is not present
(CI clones do not carry ../shared/datasets).
"""

import json
from pathlib import Path

import pytest

from verifiers import extract_answer, verify_batch

GSM8K = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "gsm8k" / "test.jsonl"


@pytest.mark.skipif(not GSM8K.exists(), reason=f"GSM8K test split not found at {GSM8K}")
def test_gsm8k_golds_match_themselves():
    rows = [json.loads(line) for line in GSM8K.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) > 1000
    pairs = []
    for row in rows:
        extraction = extract_answer(row["answer"])
        assert extraction is not None and extraction.method == "gsm8k", row["answer"][-80:]
        gold = extraction.text.replace(",", "")
        value = int(gold)
        pairs += [
            (row["answer"], gold),  # the reference solution itself (with its separators)
            (f"#### {value:,}", gold),  # thousands separators
            (f"The answer is ${value:,}.", gold),  # dollars and separators in prose
            (f"So the total is $\\boxed{{{value}.00}}$.", gold),  # trailing decimals in a box
            (f"<think>\nworking\n</think>\n**Final Answer:** {value:,} dollars", gold),  # R1 + unit word
        ]
    verdicts = verify_batch(pairs, workers=2)
    wrong = [(c[-60:], g, v.status, v.detail) for (c, g), v in zip(pairs, verdicts) if not v.correct]
    assert not wrong, wrong[:10]
    assert all(v.method in ("string", "numeric") for v in verdicts)  # integers never need SymPy
