"""`hyoka layout check --html`: one self-contained page a layout author looks at.

Each PDF page is drawn (pypdfium2, read_pdfium.render_png) as a PNG inside the file (a data
URI: no network), with a box over each label found (blue), its value (green) and each table's
header row (orange), each named with the layout's field name; below the image, what was not
found and the problems.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from extract.reading.read_pdfium import render_png

SCALE = 1.5  # pixels per PDF point

_STYLE = """
body { font-family: sans-serif; margin: 1em; }
.page { position: relative; display: inline-block; border: 1px solid #888; }
.box { position: absolute; border: 2px solid; box-sizing: border-box; }
.box span { position: absolute; top: -1.3em; left: 0; font-size: 11px; background: #fff; white-space: nowrap; }
.label { border-color: #1f5fd6; } .value { border-color: #2a9d3a; } .table { border-color: #e07b00; }
.missing { color: #b00; }
"""


def layout_check_html(data: dict, pdf: Path) -> str:
    """The check's pages drawn with the boxes of what was found, as one HTML document."""
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>layout {html.escape(data['layout'])} on {html.escape(data['file'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>layout {html.escape(data['layout'])} on {html.escape(data['file'])}</h1>",
    ]
    for page in data["pages"]:
        out += _page(page, pdf)
    out += [f"<p class='missing'>problem: {html.escape(p)}</p>" for p in data["problems"]]
    return "\n".join(out + ["</body></html>"]) + "\n"


def _page(page: dict, pdf: Path) -> list[str]:
    png = base64.b64encode(render_png(pdf, page["page"], SCALE)).decode("ascii")
    width, height = page.get("size") or [0.0, 0.0]
    out = [
        f"<h2>page {page['page']}: {html.escape(page['kind'])}</h2>",
        f"<div class='page' style='width:{width * SCALE:.0f}px;height:{height * SCALE:.0f}px'>",
        f"<img src='data:image/png;base64,{png}' width='{width * SCALE:.0f}' alt='page {page['page']}'>",
    ]
    items = page.get("fields", []) + [t for t in page.get("tables", []) if "name" in t]
    for item in items:
        kind = "table" if "header_row" in item else "label"
        out += _box(item.get("label_box"), kind, item["name"])
        out += _box(item.get("value_box"), "value", "")
    out.append("</div>")
    missing = [i for i in items if not i["found"]]
    if missing:
        names = ", ".join(f"{i['name']} ({i['label']})" for i in missing)
        out.append(f"<p class='missing'>not found: {html.escape(names)}</p>")
    out += [f"<p class='missing'>problem: {html.escape(p)}</p>" for p in page["problems"]]
    return out


def _box(box: list[float] | None, kind: str, name: str) -> list[str]:
    if not box:
        return []
    x0, top, x1, bottom = (v * SCALE for v in box)
    style = f"left:{x0:.0f}px;top:{top:.0f}px;width:{x1 - x0:.0f}px;height:{bottom - top:.0f}px"
    label = f"<span>{html.escape(name)}</span>" if name else ""
    return [f"<div class='box {kind}' style='{style}' title='{html.escape(name)}'>{label}</div>"]
