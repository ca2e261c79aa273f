"""A made-up FY2021 report: the FY2020 records with the changes a year brings.

Used by the year-over-year tests: rendered to PDF with tests/render.py, built next to the
FY2020 sample, and every change below is asserted.
"""

from __future__ import annotations

import copy

UP = ("ユニバーサルデザインによるまちづくりの推進", "地域福祉課")  # B -> A
DOWN = ("施設のバリアフリー化の推進", "地域福祉課")  # A -> C
DROPPED = "生活保護制度の適正な運用"  # the ① of its measure: the ② after it becomes ①
SHIFTED = "路上生活者への自立支援"  # ② -> ①, same title
RENAMED = ("CoCoバスの利便性向上", "CoCoバスの利便性の向上")  # a word added
DEPT_RENAMED = ("移送サービスへの支援", "自立生活支援課", "障がい福祉課")
MISPRINTED = ("自主防災組織の育成", "地域安全課", "A")  # printed prev_rating; FY2020 said B
ADDED = {
    "initiative_title": "高齢者の外出支援の拡充",
    "department": "交通対策課",
    "results": "外出支援のための調査を行った。",
    "rating": "B",
}


def next_year(records: dict) -> dict:
    """FY2021 records: prev_rating = FY2020 rating, then the changes above."""
    out = copy.deepcopy(records)
    out["report"].update(fiscal_year=2021, fiscal_year_label="令和3年度", published="2022-09")
    rows = []
    for e in out["evaluations"]:
        if e["initiative_title"] == DROPPED:
            continue
        e["prev_rating"] = e["rating"]
        key = (e["initiative_title"], e["department"])
        if key == UP:
            e["rating"] = "A"
        elif key == DOWN:
            e["rating"] = "C"
        elif key == MISPRINTED[:2]:
            e["prev_rating"] = MISPRINTED[2]
        if e["initiative_title"] == RENAMED[0]:
            e["initiative_title"] = RENAMED[1]
        if (e["initiative_title"], e["department"]) == DEPT_RENAMED[:2]:
            e["department"] = DEPT_RENAMED[2]
        rows.append(e)
        if key == ("移送サービスへの支援", DEPT_RENAMED[1]):
            new = dict(e, **ADDED, initiative_no=3, is_new=True, prev_rating=None, results_covid=None,
                       outlook="引き続き実施する。", outlook_covid="影響なし")  # fmt: skip
            rows.append(new)
    for e in rows:
        if e["initiative_title"] == SHIFTED:
            e["initiative_no"] = 1
    out["evaluations"] = rows
    return out
