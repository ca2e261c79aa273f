"""A sheet's heading box and the remarks table are the layout's (issue 23): its file names the
report keys, the fields, their labels and roles; hyoka reads whatever it declares, refuses a
file that declares them badly (one line), and a JSON whose records the layout does not name."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_PDF, run_hyoka
from pydantic import ValidationError

from schemas.layout import BOX_OWN, REMARK_OWN, REPORT_KEYS, RowLayout
from schemas.report import LayoutInfo, Report

KOGANEI = (ROOT / "extract" / "layouts" / "koganei-welfare.toml").read_text(encoding="utf-8")


def _data(text: str = KOGANEI) -> dict:
    return tomllib.loads(text)


def _refused(data: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        RowLayout.model_validate(data)
    return str(caught.value)


def test_the_report_keys_are_the_reports_own() -> None:
    assert set(Report.model_fields) == REPORT_KEYS


def test_the_own_fields_are_the_views_own_columns(built_db: Path) -> None:
    """A box field is a column of rows_<layout>, a remark field of remarks_<layout>: the names
    hyoka gives its own columns there are refused."""
    import sqlite3

    from extract.reading.layout import load_layout
    from extract.reading.records import describe_layout

    info = describe_layout(load_layout("koganei-welfare"))
    declared = {f.name for f in [*info.fields, *info.sheet_fields, *info.remark_fields]}
    with sqlite3.connect(built_db) as con:
        rows = {r[1] for r in con.execute("pragma table_info(rows_koganei_welfare)")}
        remarks = {r[1] for r in con.execute("pragma table_info(remarks_koganei_welfare)")}
    assert rows - declared <= BOX_OWN and remarks - declared <= REMARK_OWN
    assert {"fiscal_year", "page"} <= rows - declared and {"fiscal_year", "page"} <= remarks - declared


@pytest.mark.parametrize(
    "edit, says",
    [
        (lambda d: d["box"].update(key="evaluations"), "one of the report's own keys"),
        (lambda d: d["remarks"].update(key="policies"), "box.key and remarks.key"),
        (lambda d: d["box"].update(key="Policies"), "box.key"),
        (lambda d: d["box"]["fields"][1].update(role="text"), "exactly one field with role 'title'"),
        (lambda d: d["box"]["fields"][0].update(role="title"), "exactly one field with role 'title'"),
        (lambda d: d["box"]["fields"][0].update(name="page"), "'page' is one of hyoka's own"),
        (lambda d: d["box"]["fields"][0].update(name="source_file"), "one of hyoka's own"),
        (lambda d: d["box"]["groups"]["title"].update(field="measure_no"), "must be unique"),
        (lambda d: d["box"]["fields"][0].update(pattern="(unclosed"), "not a regular expression"),
        (lambda d: d["box"]["groups"].update(pattern="^施策"), "needs 1 group(s)"),
        (lambda d: d["box"].update(on_rows=["measures"]), "no field of the box"),
        (lambda d: d["box"].update(on_rows=["nothing"]), "no field of the box"),
        (lambda d: d["box"].update(on_rows=["goal_no", "measure_title"]), "no field of the box"),
        (lambda d: d["box"].update(on_rows=["department"]), "no field of the box"),
        (lambda d: d["box"]["fields"][0].update(name="results"), "field names must be unique"),
        (
            lambda d: d["box"]["fields"][0]["number"].update(field="initiative_no"),
            "field names must be unique",
        ),
        (lambda d: d["box"].update(fields=[]), "at least 1"),
        (lambda d: d["box"].update(colour="red"), "Extra inputs"),
        (lambda d: d["remarks"]["columns"][3].update(role="text"), "exactly one column with role 'body'"),
        (lambda d: d["remarks"]["columns"][3].update(required=False), "exactly one column with role 'body'"),
        (lambda d: d["remarks"]["columns"][4].update(role="body"), "exactly one column with role 'body'"),
        (lambda d: d["remarks"]["columns"][1].update(role="sheet"), "one column with role 'sheet' at most"),
        (
            lambda d: d["remarks"]["columns"][0].update(role="text"),
            "role 'title' needs one with role 'sheet'",
        ),
        (lambda d: d["remarks"]["columns"][4].update(item_from_body=True), "belong to a number column"),
        (lambda d: d["remarks"]["columns"][2].pop("group"), "item_from_body needs the column's group"),
        (lambda d: d["remarks"]["columns"][4].update(name="ocr"), "'ocr' is one of hyoka's own"),
        (lambda d: d["remarks"]["columns"][4].update(name="opinion"), "must be unique"),
        (lambda d: d["remarks"]["columns"][0].update(header=["[シート"]), "not a regular expression"),
        (lambda d: d["remarks"]["columns"][0].update(header=[]), "at least 1"),
        (lambda d: d["remarks"]["columns"][0].update(role="policy"), "Input should be"),
    ],
)
def test_a_bad_box_or_remarks_table_is_refused(edit, says: str) -> None:
    data = _data()
    edit(data)
    assert says in _refused(data)


def test_box_and_remarks_are_bounded_like_the_rest() -> None:
    data = _data()
    data["box"]["fields"] *= 101
    assert "202 entries, at most 200" in _refused(data)
    data = _data()
    data["remarks"]["columns"][0]["label"] = "長" * 1001
    assert "1001 characters, at most 1000" in _refused(data)


def test_a_bad_box_is_one_line_naming_file_and_place(tmp_path: Path) -> None:
    folder = tmp_path / "layouts"
    folder.mkdir()
    text = KOGANEI.replace('name = "koganei-welfare"', 'name = "mine"', 1).replace(
        'key = "policies"', 'key = "report"', 1
    )
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    done = run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-500:]
    assert "mine.toml" in lines[0] and "box.key: 'report' is one of the report's own keys" in lines[0]


def _renamed_layout() -> str:
    """Koganei's layout with every name of its box and remarks changed: the code knows none."""
    names = {
        '"policies"': '"heads"',
        '"comments"': '"notes"',
        '"measures"': '"parts"',
        '"goal_title"': '"aim"',
        '"goal_no"': '"aim_no"',
        '"policy_title"': '"head"',
        '"measure_no"': '"part_no"',
        '"measure_title"': '"part"',
        '"sheet_no"': '"on_sheet"',
        '"initiative_no"': '"item"',
        '"opinion"': '"said"',
        '"response"': '"answered"',
    }
    box_at, queries_at = KOGANEI.index("[box]"), KOGANEI.index("[[columns]]")
    remarks_at, end = KOGANEI.index("[remarks]"), KOGANEI.index("[[queries]]")
    box, remarks = KOGANEI[box_at:queries_at], KOGANEI[remarks_at:end]
    for old, new in names.items():
        box, remarks = box.replace(old, new), remarks.replace(old, new)
    return KOGANEI[:box_at] + box + KOGANEI[queries_at:remarks_at] + remarks


def test_the_names_are_the_layouts(tmp_path: Path, extracted: dict) -> None:
    """The sample read with a layout naming its box and remarks otherwise: the same values
    under the new names, and a database built from it (the sheets' titles, the remarks)."""
    folder = tmp_path / "layouts"
    folder.mkdir()
    (folder / "koganei-welfare.toml").write_text(_renamed_layout(), encoding="utf-8")
    out = tmp_path / "json" / "renamed.json"
    out.parent.mkdir()
    done = run_hyoka("extract", "--layouts", str(folder), str(SAMPLE_PDF), "-o", str(out))
    assert done.returncode == 0, done.stderr
    got = json.loads(out.read_text(encoding="utf-8"))
    assert "policies" not in got and "comments" not in got
    assert [list(b) for b in got["heads"]][0] == ["sheet_no", "aim_no", "aim", "head", "parts", "page"]
    assert [[b["aim_no"], b["aim"], b["head"], b["page"]] for b in got["heads"]] == [
        [p["goal_no"], p["goal_title"], p["policy_title"], p["page"]] for p in extracted["policies"]
    ]
    assert [[[g["part_no"], g["part"]] for g in b["parts"]] for b in got["heads"]] == [
        [[m["measure_no"], m["measure_title"]] for m in p["measures"]] for p in extracted["policies"]
    ]
    assert [list(r.values()) for r in got["notes"]] == [list(c.values()) for c in extracted["comments"]]
    assert list(got["notes"][0]) == ["on_sheet", "head", "part_no", "item", "said", "answered", "page", "ocr"]
    row = got["evaluations"][0]
    assert (row["aim_no"], row["head"]) == (
        extracted["evaluations"][0]["goal_no"],
        extracted["evaluations"][0]["policy_title"],
    )
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--from-json", str(out.parent), "--db", str(db))
    assert done.returncode == 0, done.stderr
    import sqlite3

    with sqlite3.connect(db) as con:
        titles = [t for (t,) in con.execute("select title from sheets order by sheet_no")]
        remarks = con.execute("select count(*), count(group_no), count(item_no) from remarks").fetchone()
        items = set(con.execute("select item_no, title from items"))
    assert titles == [p["policy_title"] for p in extracted["policies"]]
    want = extracted["comments"]
    assert remarks == (
        len(want),
        sum(c["measure_no"] is not None for c in want),
        sum(c["initiative_no"] is not None for c in want),
    )
    assert {
        (m["measure_no"], m["measure_title"]) for p in extracted["policies"] for m in p["measures"]
    } <= items


def _json_folder(tmp_path: Path, report: dict) -> Path:
    folder = tmp_path / "json"
    folder.mkdir()
    (folder / "koganei-fy2020.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return folder


def test_a_json_of_the_earlier_record_model_is_refused_in_one_line(tmp_path: Path, extracted: dict) -> None:
    """A JSON written before the layout named its box and remarks (its layout has no box_key):
    one line says so and what to do; the build fails, nothing is loaded half."""
    report = json.loads(json.dumps(extracted))
    for key in ("box_key", "box_groups", "group_fields", "remark_key"):
        del report["layout"][key]
    done = run_hyoka(
        "build", "--from-json", str(_json_folder(tmp_path, report)), "--db", str(tmp_path / "h.db")
    )
    assert done.returncode == 1
    assert "'policies': not a key of a report read with its layout" in done.stderr
    assert "extract the PDF again" in done.stderr


def test_an_empty_list_under_another_layouts_key_loses_nothing(extracted: dict) -> None:
    """A report of a layout without a box or remarks, as the earlier model printed it (empty
    policies and comments): it loads, and prints without them; a record there is refused."""
    report = json.loads(json.dumps(extracted))
    report["layout"].update(box_key=None, box_groups=None, group_fields=[], remark_key=None)
    report["policies"], report["comments"] = [], []
    printed = json.loads(Report.model_validate_json(json.dumps(report)).model_dump_json())
    assert "policies" not in printed and "comments" not in printed
    report["comments"] = extracted["comments"]
    with pytest.raises(ValidationError, match="'comments': not a key of a report read with its layout"):
        Report.model_validate_json(json.dumps(report))


@pytest.mark.parametrize(
    "edit, says",
    [
        (
            lambda r: r["policies"][0].update(colour="red"),
            "policies: 'colour' is no field the layout declares",
        ),
        (lambda r: r["comments"][0].update(opinion={"a": 1}), "comments.opinion: a number, a text"),
        (lambda r: r["policies"][0]["measures"].append({"x": 1}), "a box's groups are records of"),
        (lambda r: r["policies"][0].update(measures="many"), "a box's groups are records of"),
        (lambda r: r["layout"].update(box_key=None), "'policies': not a key"),
        (lambda r: r.update(boxes=r["policies"]), "the same records twice"),
    ],
)
def test_a_json_whose_records_the_layout_does_not_name_is_refused(extracted: dict, edit, says: str) -> None:
    report = json.loads(json.dumps(extracted))
    edit(report)
    with pytest.raises(ValidationError) as caught:
        Report.model_validate_json(json.dumps(report))
    assert says in str(caught.value)


@pytest.mark.parametrize("keys", [("evaluations", None), ("notes", "notes"), ("policies", "boxes")])
def test_a_report_key_of_the_layout_is_its_own(extracted: dict, keys: tuple) -> None:
    layout = dict(extracted["layout"], box_key=keys[0], remark_key=keys[1])
    with pytest.raises(ValidationError, match="one of the report's own keys, or twice"):
        LayoutInfo.model_validate(layout)


def test_a_report_prints_as_it_reads(extracted: dict) -> None:
    """Read back and printed again, the sample's JSON is the same, key order and all."""
    again = json.loads(Report.model_validate_json(json.dumps(extracted)).model_dump_json())
    assert json.dumps(again, ensure_ascii=False) == json.dumps(extracted, ensure_ascii=False)
