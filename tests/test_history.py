"""Two years side by side: identities, rating changes, the audit, `hyoka changes` / `hyoka audit`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import nextyear as ny
import pytest
from conftest import run_hyoka, sample_and_next_year
from render import Variant, render_report

from extract.database.identity import Item, Overrides, match_departments, match_items


@pytest.fixture(scope="module")
def two_years(tmp_path_factory, expected) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    db = raw / "two.db"
    done = run_hyoka("build", "--db", str(db), *map(str, sample_and_next_year(raw, expected)))
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="module")
def changes(two_years) -> list[dict]:
    done = run_hyoka("changes", "--from", "2020", "--to", "2021", "--db", str(two_years), "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _find(changes: list[dict], title: str, department: str | None = None) -> list[dict]:
    return [c for c in changes if c["title"] == title and department in (None, c["department"])]


def test_one_entry_per_row_of_either_year(changes) -> None:
    assert len(changes) == 59  # 58 rows each year, one dropped and one added
    counts = {k: sum(c["change"] == k for c in changes) for k in ("up", "down", "added", "dropped")}
    assert counts == {"up": 1, "down": 1, "added": 1, "dropped": 1}
    assert {"sheet_no", "group_no", "item_no", "title", "department", "from_rating",
            "to_rating", "change", "match_method"} <= changes[0].keys()  # fmt: skip


def test_up_down_added_dropped(changes) -> None:
    (up,) = _find(changes, *ny.UP)
    assert (up["from_rating"], up["to_rating"], up["change"], up["match_method"]) == ("B", "A", "up", "exact")
    (down,) = _find(changes, *ny.DOWN)
    assert (down["from_rating"], down["to_rating"], down["change"]) == ("A", "C", "down")
    (added,) = _find(changes, ny.ADDED["initiative_title"])
    assert (added["change"], added["match_method"], added["from_rating"], added["to_rating"]) == (
        "added",
        "new",
        None,
        "B",
    )
    (dropped,) = _find(changes, ny.DROPPED)
    assert (dropped["change"], dropped["from_rating"], dropped["to_rating"]) == ("dropped", "B", None)


def test_renamed_shifted_and_department_renamed_keep_identity(changes) -> None:
    (renamed,) = _find(changes, ny.RENAMED[1])
    assert renamed["match_method"] == "fuzzy" and 0.75 <= renamed["match_score"] < 1
    assert renamed["change"] == "same"
    (shifted,) = _find(changes, ny.SHIFTED)
    assert shifted["item_no"] == 1 and shifted["match_method"] == "exact" and shifted["change"] == "same"
    (moved,) = _find(changes, ny.DEPT_RENAMED[0])
    assert moved["department"] == ny.DEPT_RENAMED[2] and moved["change"] == "same"
    twins = _find(changes, "災害時における避難行動要支援者への支援体制の充実")
    assert [t["department"] for t in twins] == ["地域福祉課", "健康課"] and {t["change"] for t in twins} == {
        "same"
    }
    others = [c for c in changes if c["change"] == "same"]
    assert len(others) == 59 - 4


def test_audit_finds_the_misprinted_previous_rating(two_years, expected) -> None:
    done = run_hyoka("audit", "--db", str(two_years), "--format", "json")
    assert done.returncode == 0, done.stderr
    title, department, printed = ny.MISPRINTED
    (row,) = [
        e for e in expected["evaluations"] if (e["initiative_title"], e["department"]) == (title, department)
    ]
    assert json.loads(done.stdout) == [
        {
            "fiscal_year": 2021,
            "sheet_no": row["sheet_no"],
            "group_no": row["measure_no"],
            "item_no": row["initiative_no"],
            "title": title,
            "department": department,
            "printed_prev_rating": printed,
            "previous_report_rating": row["rating"],
            "previous_fiscal_year": 2020,
        }
    ]
    assert (printed, row["rating"]) == ("A", "B")  # the FY2021 report misprints FY2020's B


def test_csv_and_table_formats(two_years) -> None:
    done = run_hyoka("changes", "--from", "2020", "--to", "2021", "--db", str(two_years), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout.lstrip("\ufeff"))))
    assert len(rows) == 59 and rows[0]["change"]
    table = run_hyoka("changes", "--from", "2020", "--to", "2021", "--db", str(two_years))
    assert table.returncode == 0 and "dropped" in table.stdout and ny.DROPPED in table.stdout


def test_unknown_year_is_one_line(two_years) -> None:
    done = run_hyoka("changes", "--from", "2019", "--to", "2021", "--db", str(two_years))
    assert done.returncode == 1 and "no report for fiscal year 2019" in done.stderr


def test_same_report_twice_is_refused_unless_replaced(two_years, tmp_path, expected) -> None:
    other = tmp_path / "fy2020-reissued.pdf"
    render_report(expected, other, Variant(font="ipam"))
    db = tmp_path / "copy.db"
    shutil.copy(two_years, db)
    refused = run_hyoka("build", "--db", str(db), str(other))
    assert refused.returncode == 1
    assert (
        "same report as koganei-fy2020.pdf (小金井市 / 2020 / 地域福祉計画の進捗状況及び評価表)"
        in refused.stderr
    )
    replaced = run_hyoka("build", "--replace", "--db", str(db), str(other))
    assert replaced.returncode == 0, replaced.stderr
    assert "1 loaded" in replaced.stderr and "1 removed" in replaced.stderr


def test_override_file_forces_and_forbids(tmp_path) -> None:
    a = [Item("a1", "地域の見守り活動", "P", 1, 1), Item("a2", "相談窓口の整備", "P", 1, 2)]
    b = [Item("b1", "見守りネットワーク事業", "P", 1, 1), Item("b2", "相談窓口の整備", "P", 1, 2)]
    plain = {m.later: m for m in match_items(a, b, 2021)}
    assert plain["b1"].method == "new" and plain["b2"].method == "exact"
    forced = match_items(a, b, 2021, Overrides({(2021, "見守りネットワーク事業"): "地域の見守り活動"}, set()))
    assert {m.later: (m.earlier, m.method) for m in forced}["b1"] == ("a1", "override")
    forbidden = match_items(a, b, 2021, Overrides({}, {(2021, "相談窓口の整備")}))
    assert {m.later: m.method for m in forbidden}["b2"] == "new"


def test_different_initiatives_in_the_same_place_are_not_merged() -> None:
    a = [Item("a1", "福祉マップの見直し", "P", 2, 1)]
    b = [Item("b1", "地域防災訓練の実施", "P", 2, 1)]
    assert match_items(a, b, 2021)[0].method == "new"


def test_department_matching() -> None:
    assert match_departments(["A課", "B課"], ["A課", "C課"]) == [
        ("A課", "A課", "same"),
        ("B課", "C課", "renamed"),
    ]
    assert match_departments(["A課", "B課"], ["C課", "D課"]) == [
        (None, "C課", "added"), (None, "D課", "added"), ("A課", None, "dropped"), ("B課", None, "dropped")
    ]  # fmt: skip


def test_identity_file_changes_the_links_on_the_next_build(two_years, tmp_path) -> None:
    db = tmp_path / "linked.db"
    shutil.copy(two_years, db)
    identity = tmp_path / "identity.toml"
    identity.write_text(
        f'[[same]]\nfiscal_year = 2021\ntitle = "{ny.ADDED["initiative_title"]}"\nprevious_title = "{ny.DROPPED}"\n',
        encoding="utf-8",
    )
    pdfs = sorted(str(p) for p in two_years.parent.glob("*.pdf"))
    assert len(pdfs) == 2
    done = run_hyoka("build", "--db", str(db), "--identity", str(identity), *pdfs)
    assert done.returncode == 0 and "0 loaded, 2 unchanged" in done.stderr, done.stderr
    out = run_hyoka("changes", "--from", "2020", "--to", "2021", "--db", str(db), "--format", "json")
    rows = json.loads(out.stdout)
    assert len(rows) == 58 and not {"added", "dropped"} & {r["change"] for r in rows}
    (forced,) = _find(rows, ny.ADDED["initiative_title"])
    assert forced["match_method"] == "override" and forced["from_rating"] == "B"
