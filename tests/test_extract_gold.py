"""The sample report against its hand-checked records (tests/expected, copied from the gold)."""

from __future__ import annotations

import json

from conftest import SAMPLE_PDF, run_hyoka
from goldcompare import compare


def test_every_row_found_none_invented(extracted: dict, expected: dict) -> None:
    assert len(extracted["evaluations"]) == len(expected["evaluations"]) == 58
    assert len(extracted["comments"]) == len(expected["comments"]) == 5
    score, counts = compare(extracted, expected)
    assert counts == {
        "evaluations_missing": 0,
        "evaluations_invented": 0,
        "comments_missing": 0,
        "comments_invented": 0,
    }


def test_field_score(extracted: dict, expected: dict) -> None:
    score, _ = compare(extracted, expected)
    print(f"\nfield score: {score.equal}/{score.compared} = {score.ratio:.2%}")
    for line in score.mismatches:
        print("  mismatch:", line[:300])
    assert score.ratio >= 0.995


def test_provenance(extracted: dict) -> None:
    source = extracted["report"]["source"]
    assert source["file"] == "koganei-fy2020.pdf"
    assert len(source["sha256"]) == 64
    assert source["pages"] == 24
    pages = [e["page"] for e in extracted["evaluations"]]
    assert pages == sorted(pages) and min(pages) == 6 and max(pages) == 24
    assert [c["page"] for c in extracted["comments"]] == [3, 3, 4, 4, 5]


def test_paragraphs_kept_and_wraps_joined(extracted: dict, expected: dict) -> None:
    """Beyond the lenient score: line breaks are where the author typed them."""
    same = sum(
        got[k] == want[k]
        for got, want in zip(extracted["evaluations"], expected["evaluations"], strict=True)
        for k in ("results", "outlook", "initiative_title", "department")
    )
    assert same >= 4 * 58 - 2


def test_no_problems_on_the_sample(extracted: dict) -> None:
    assert extracted["problems"] == []


def test_cli_prints_only_json() -> None:
    done = run_hyoka("extract", str(SAMPLE_PDF))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data = json.loads(done.stdout)
    assert len(data["evaluations"]) == 58


def test_cli_writes_output_file(tmp_path) -> None:
    out = tmp_path / "sub" / "r.json"
    done = run_hyoka("extract", str(SAMPLE_PDF), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["report"]["fiscal_year"] == 2020
