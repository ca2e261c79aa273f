"""Charts as SVG, drawn on the server from Vega-Lite specifications by vl-convert.

The browser gets finished SVG: no chart library is fetched at run time, so the site works
offline. Each function takes plain rows (from SQL) and returns the SVG text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import vl_convert

NO_RATING = "評価なし"
# best to worst (ColorBrewer RdYlGn's ends): a scale of four gets these, another is spread over them
_RAMP = [(0x1A, 0x98, 0x50), (0x91, 0xCF, 0x60), (0xFD, 0xAE, 0x61), (0xD7, 0x30, 0x27)]
_NONE = "#bdbdbd"
_CONFIG = {
    "font": "IPAexGothic, IPAPGothic, sans-serif",
    "axis": {"labelFontSize": 12, "titleFontSize": 12},
    "legend": {"labelFontSize": 12, "titleFontSize": 12},
    "view": {"stroke": None},
}


def _svg(spec: dict) -> str:
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": _CONFIG, **spec}
    return vl_convert.vegalite_to_svg(spec)


@dataclass(frozen=True)
class Words:
    """What the charts call things, from the database: the ratings of the reports' scales,
    best first, and the labels their layouts give the rating, the printed previous rating and
    the department (事業評価, 達成度 …; 担当課, 所管課 …)."""

    letters: list[str]
    others: list[str] = field(default_factory=list)  # ratings on no scale: grey, after the scale's
    rating: str = "評価"
    prev_rating: str = "前年度の評価"
    department: str = "担当"


def _colours(n: int) -> list[str]:
    """Green for the best rating to red for the worst, evenly along the ramp."""
    out = []
    for i in range(n):
        at = i * (len(_RAMP) - 1) / (n - 1) if n > 1 else 0.0
        low = min(int(at), len(_RAMP) - 2)
        mixed = [round(a + (b - a) * (at - low)) for a, b in zip(_RAMP[low], _RAMP[low + 1], strict=True)]
        out.append("#{:02x}{:02x}{:02x}".format(*mixed))
    return out


def rating_colour(title: str, words: Words) -> dict:
    domain = [*words.letters, *words.others, NO_RATING]
    return {
        "field": "rating",
        "type": "nominal",
        "title": title,
        "scale": {
            "domain": domain,
            "range": [*_colours(len(words.letters)), *[_NONE] * (len(domain) - len(words.letters))],
        },
        "sort": domain,
    }


def _integer_ticks(values: list[dict]) -> dict:
    """Whole-number ticks on a count axis whose counts are small (no 0.5 of a row)."""
    top = max((abs(v["n"]) for v in values), default=0)
    return {"values": list(range(-top, top + 1))} if top <= 10 else {}


def ratings_per_department(rows: list[dict], words: Words) -> str:
    """Stacked bars per department: how many of its rows got each rating in one year (rows
    whose form names no department are left out: they are no department's).

    ``rows``: {department, rating (None = 評価なし), n}.
    """
    values = [{**r, "rating": r["rating"] or NO_RATING} for r in rows if r["department"]]
    return _svg(
        {
            "data": {"values": values},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "department", "type": "nominal", "title": words.department, "sort": "-x"},
                "x": {"field": "n", "type": "quantitative", "title": "件数"},
                "color": rating_colour(words.rating, words),
                "order": {"field": "rating", "sort": "ascending"},
            },
            "width": 420,
        }
    )


def ratings_per_year(rows: list[dict], words: Words) -> str:
    """Stacked bars: how many rows got each rating, per fiscal year, one panel per plan, each
    with its own count axis (58 rows of one plan are not slivers beside 451 of another).

    ``rows``: {plan (its name and its rating's label), fiscal_year, rating (None = 評価なし), n}.
    """
    values = [{**r, "rating": r["rating"] or NO_RATING} for r in rows]
    return _svg(
        {
            "data": {"values": values},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {"field": "fiscal_year", "type": "ordinal", "title": "年度", "axis": {"labelAngle": 0}},
                "y": {"field": "n", "type": "quantitative", "title": "件数"},
                "color": rating_colour(words.rating, words),
                "order": {"field": "rating", "sort": "ascending"},
                "column": {"field": "plan", "type": "nominal", "title": None},
            },
            "resolve": {"scale": {"y": "independent"}},
            "width": {"step": 60},
            "height": 260,
        }
    )


def changes_per_department(rows: list[dict], words: Words) -> str:
    """Diverging bars per department: rows rated up (right) and down (left) against last year.

    ``rows``: {department, change ('up' or 'down'), n}.
    """
    values = [
        {"department": r["department"], "向き": "上がった" if r["change"] == "up" else "下がった",
         "n": r["n"] if r["change"] == "up" else -r["n"]}
        for r in rows
        if r["department"]
    ]  # fmt: skip
    return _svg(
        {
            "data": {"values": values},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "department", "type": "nominal", "title": words.department, "sort": "-x"},
                "x": {
                    "field": "n",
                    "type": "quantitative",
                    "title": "件数 (← 下がった / 上がった →)",
                    "axis": {"labelExpr": "abs(datum.value)", **_integer_ticks(values)},
                },
                "color": {
                    "field": "向き",
                    "type": "nominal",
                    "title": words.rating,
                    "scale": {"domain": ["上がった", "下がった"], "range": ["#1a9850", "#d73027"]},
                },
            },
            "width": 420,
        }
    )


def history_points(rows: list[dict], words: Words) -> list[dict]:
    """The points of a history chart: each report's rating, and the previous year's rating as
    printed (前年度事業評価) where no report of that year is loaded."""
    reported = {(r["fiscal_year"], r["department"]) for r in rows if r["rating"]}
    points = [{**r, "kind": words.rating} for r in rows if r["rating"]]
    for r in rows:
        year = r["fiscal_year"] - 1
        if r["prev_rating"] and (year, r["department"]) not in reported:
            points.append({**r, "fiscal_year": year, "rating": r["prev_rating"], "kind": _printed(words)})
    return sorted(points, key=lambda p: (p["department"] or "", p["fiscal_year"]))


def _printed(words: Words) -> str:
    return f"{words.prev_rating}（記載）"


def rating_history(rows: list[dict], words: Words) -> str:
    """One item's ratings over the years, one line per department (one line, …の記載なし,
    for a form that names none); the rating axis titled as its layout calls it.

    ``rows``: {fiscal_year, department, prev_rating, rating}; see ``history_points``.
    """
    values = [
        {
            **{k: p[k] for k in ("fiscal_year", "rating", "kind")},
            "department": p["department"] or f"{words.department}の記載なし",
        }
        for p in history_points(rows, words)
    ]
    return _svg(
        {
            "data": {"values": values},
            "layer": [
                {"mark": {"type": "line", "strokeDash": [4, 3]}},
                {
                    "mark": {"type": "point", "size": 110, "filled": True, "tooltip": True},
                    "encoding": {
                        "shape": {
                            "field": "kind",
                            "type": "nominal",
                            "title": "種類",
                            "scale": {
                                "domain": [words.rating, _printed(words)],
                                "range": ["circle", "diamond"],
                            },
                        }
                    },
                },
            ],
            "encoding": {
                "x": {"field": "fiscal_year", "type": "ordinal", "title": "年度", "axis": {"labelAngle": 0}},
                "y": {
                    "field": "rating",
                    "type": "ordinal",
                    "title": words.rating,
                    "scale": {"domain": [*words.letters, *words.others]},
                },
                "color": {"field": "department", "type": "nominal", "title": words.department},
            },
            "width": {"step": 80},
            "height": 180,
        }
    )
