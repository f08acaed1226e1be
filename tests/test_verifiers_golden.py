"""Golden cases: every (completion, gold) in tests/data/verifiers/golden.jsonl gets its labelled status.

Each case carries a `note` (why it is there) and a `source` (format or failure mode it comes from: GSM8K,
MATH-style LaTeX, R1 <think> output, Minerva, the Math-Verify weaknesses listed in ANCHORS.md, hostile input).
"""

import json
from pathlib import Path

from verifiers import STATUSES, verify_batch

GOLDEN = Path(__file__).parent / "data" / "verifiers" / "golden.jsonl"


def load():
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_golden_file_is_well_formed():
    cases = load()
    assert len(cases) >= 250
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        assert case["expected"] in STATUSES, case["id"]
        assert case["note"].strip() and case["source"].strip(), case["id"]
    sources = " ".join(c["source"] for c in cases)
    for kind in ("gsm8k", "MATH", "R1", "ANCHORS", "hostile", "Minerva"):
        assert kind in sources


def test_golden_cases():
    cases = load()
    verdicts = verify_batch([(c["completion"], c["gold"]) for c in cases], workers=2, timeout=10.0)
    wrong = [
        f"{c['id']} ({c['note']}): expected {c['expected']}, got {v.status} via {v.method}: {v.detail[:80]}"
        for c, v in zip(cases, verdicts)
        if v.status != c["expected"]
    ]
    assert not wrong, "\n".join(wrong)
