"""What each column means and its Japanese heading: the one place the site's headings come from.

Descriptions are written once, in schemas/ (the pydantic field descriptions) and below for the
columns that exist only in the database. A description that starts with a Japanese label
("担当課: department responsible for this row") gives that label; the few schema fields whose
description has none get one from ``_HEADINGS``. SQL names stay ASCII; only the site shows
the labels.
"""

from __future__ import annotations

import re
from functools import cache

from extract.reading.layout import all_layouts
from extract.reading.records import describe_layout
from schemas.report import Evaluation, ReportInfo, SourceFile

_DB_COLUMNS = {
    "id": "ID: row identifier in this database",
    "report_id": "報告書ID: the report (its PDF is reports.sha256)",
    "sheet_id": "シートID: the sheet the row is on",
    "parent_id": "区分ID: the group the item is listed under",
    "item_id": "項目ID: the item (its number and title in its report)",
    "source_file": "PDFファイル: file the row was read from",
    "source_url": "公開元のページ: the publisher's own address of the PDF (sources.csv beside the PDFs), at the row's page",
    "url": "公開元: the address the publisher put the PDF at",
    "pdf_url": "PDFのページ: link that opens the PDF at the row's page",
    "change": "評価の変化: up / down / same / new rating / no rating / off scale, from 前年度 to 今年度 on the report's scale (best first)",
    "file": "PDFファイル: file name of the report",
    "pages": "ページ数: pages in the PDF",
    "code": "評価: rating code, one of the report's scale",
    "axis": "評価軸: the rating field the scale is for (empty: every rating of the report)",
    "description": "評価基準: what the rating means, as printed",
    "kind": "種類: kind of problem found while reading",
    "detail": "内容: what could not be read, for a person",
    "stable_id": "同一性ID: the same item keeps this id across reports",
    "previous_item_id": "前年度の項目: the item of the previous report it continues",
    "match_method": "照合方法: exact / fuzzy (title lightly edited) / numbered (same place) / override / new",
    "match_score": "照合スコア: title similarity 0-1 for fuzzy and numbered matches",
    "evaluation_id": "評価ID: the evaluations row",
    "department_key": "担当課の同一性: department name as first seen (renames keep it)",
    "department_match": "担当課の照合: same / renamed / added / new",
    "plan_title": "計画名: title of the report series",
    "from_year": "比較元年度: earlier fiscal year",
    "to_year": "比較先年度: later fiscal year",
    "from_rating": "比較元の事業評価: rating in the earlier report",
    "to_rating": "比較先の事業評価: rating in the later report",
    "printed_prev_rating": "記載された前年度評価: 前年度事業評価 as printed in the later report",
    "mismatch": "不一致: the printed 前年度 rating is not what the previous report printed",
    "previous_report_rating": "前年度報告書の評価: 事業評価 printed in the previous report",
    "previous_fiscal_year": "前年度: fiscal year of the previous report",
    "from_evaluation_id": "比較元の評価ID: evaluations row of the earlier report",
    "to_evaluation_id": "比較先の評価ID: evaluations row of the later report",
    "name": "名称: name (of a setting, a layout field, a project)",
    "value": "値: its value",
    "rows": "件数: number of rows",
    "department": "担当課: department responsible for this row",
    "rating": "事業評価: this year's rating, a letter of the report's scale (the layout's rating column: 事業評価, 達成度, 成果指標の達成状況 …)",
    "prev_rating": "前年度事業評価: last year's rating, where the form prints it",
    "item_no": "番号: the item's number as printed (① -> 1)",
    "group_no": "区分番号: the number of the group the item is listed under",
    "group_title": "区分: the title of that group",
    "sheet_title": "シート名: the title of the row's sheet",
    "flag": "印: a yes/no mark printed with the item (the layout names it)",
    "direction": "事業の方向性: 現状維持 / 拡充 / 縮小 / 廃止 …, where the form prints it",
    "texts": "本文: the row's text fields joined (see the layout's own view for each field)",
    "folder": "PDFフォルダ: where the build read the report's PDF (the site serves it from there)",
    "text_fields": "本文の項目 (JSON): the text fields of the layout the report was read with, whose values make its rows' texts",
    "fields": "項目 (JSON): the row's or sheet's fields that have no column of their own, by the layout's names",
    "layout": "様式: the name of the layout the report was read with",
    "layout_sha256": "様式のSHA-256: of the layout file's content when the report was read (a build reads the PDF again when it changes)",
    "of": "対象: what the field is of (a rating label's axis; a latest figure's table, row and kinds, JSON)",
    "layout_description": "様式の説明: what the layout reads, from its file",
    "layout_label": "様式名: the layout's Japanese name",
    "series": "系列: reports of one form and publisher, year after year",
    "publisher": "発行者: the publishing body as printed",
    "issued_by": "市区町村・発行者: the municipality, else the publishing body (a school …)",
    "report_title": "報告書名: title of the report",
    "position": "順序: order of the field on the form",
    "scope": "範囲: row (each rated row) or sheet (once per sheet)",
    "label": "見出し: Japanese label of the field",
    "role": "役割: number / group / title / department / rating / prev_rating / flag / text",
    "title": "名称: the title as printed (of the rated item; of the report, on reports)",
    "sql": "SQL: the query",
    "columns": "列の説明 (JSON): the query's own columns, name -> label and what it holds",
    "no_rating": "評価なし: rows without a rating",
    "rating_letters": "評価の尺度 (JSON): the ratings of the report's scale, best first, from its layout",
}

# Japanese headings for schema fields whose description does not start with one
_HEADINGS = {
    "file": "PDFファイル", "sha256": "SHA-256", "pages": "ページ数", "municipality": "市区町村",
    "fiscal_year": "年度", "fiscal_year_label": "年度（表記）", "published": "発行",
    "issuer": "担当部署", "sheet_no": "シート", "page": "ページ", "ocr": "OCR",
}  # fmt: skip

# hyoka's own values, as a reader sees them (stored as they are, for SQL users)
VALUE_LABELS = {
    "change": {
        "up": "上がった", "down": "下がった", "same": "同じ", "new rating": "前年度評価なし",
        "no rating": "評価なし", "off scale": "尺度外の評価", "added": "追加", "dropped": "なくなった",
    },
    "match_method": {
        "exact": "同名", "fuzzy": "名称の小さな変更", "numbered": "同じ番号・位置", "override": "手動の指定",
        "new": "新規",
    },
    "department_match": {"same": "同じ", "renamed": "名称変更", "added": "追加", "new": "新規"},
}  # fmt: skip

_LABEL = re.compile(r"^([^:]{1,30}?):\s")
_ENGLISH = re.compile(r"[a-z]{2,}")


@cache
def column_docs() -> dict[str, str]:
    """Every column's description, written once in schemas/ (plus the database-only columns)."""
    docs: dict[str, str] = {}
    for model in (SourceFile, ReportInfo, Evaluation):
        for name, info in model.model_fields.items():
            docs.setdefault(name, info.description or name)
    docs.update(_DB_COLUMNS)
    for name, (heading, description) in layout_fields().items():
        docs.setdefault(name, description if description.startswith(heading) else f"{heading}: {description}")
    return docs


@cache
def layout_fields() -> dict[str, tuple[str, str]]:
    """Every layout file's fields: name -> (Japanese label, description), written once there."""
    out: dict[str, tuple[str, str]] = {}
    for layout in all_layouts():
        info = describe_layout(layout)
        for f in [*info.fields, *info.sheet_fields, *info.remark_fields]:
            out.setdefault(f.name, (f.label, f.description))
        for query in layout.queries:
            for name, text in query.columns.items():
                heading, _, rest = text.partition(": ")
                out.setdefault(name, (heading, rest or heading))
    return out


def describe(column: str) -> str:
    """A column's description; a column nobody described is named by itself."""
    return column_docs().get(column, column)


def label(column: str) -> str:
    """The Japanese heading of a column: its description's label, else its name."""
    if column in _HEADINGS:
        return _HEADINGS[column]
    if column not in _DB_COLUMNS and column in layout_fields():
        return layout_fields()[column][0]
    found = _LABEL.match(column_docs().get(column, ""))
    return found.group(1) if found and not _ENGLISH.search(found.group(1)) else column
