"""Where a layout found what it read, for `hyoka layout check`: each field's label and value
cells with their boxes, each table's header row, each mark's choice, found or not.

The records are the readers' (they are not read again here); this module only locates, on a
copy of each sheet's pages (``stack``), the cells the same geometry functions pick, so that a
layout author can see them named on the page. Boxes are PDF points, top-left origin, on the
PDF page they are printed on.
"""

from __future__ import annotations

from extract.reading.columns import find_table
from extract.reading.form_cells import FormPage, below, find_label, left_of, right_stack, row_right
from extract.reading.form_sheets import block_pages, stack
from extract.reading.form_tables import read_table
from schemas.form import FieldSpec, FormLayout, TableSpec
from schemas.grid import BBox, Cell, PageGrid
from schemas.layout import RowLayout


def trace_pages(layout: FormLayout | RowLayout, grids: list[PageGrid], records: list[dict], sheets: list[dict],
                pages: list[dict]) -> None:  # fmt: skip
    """Add to each page of ``check_layout``'s pages its ``fields`` (found or not, value, boxes)
    and, for a form, its ``tables``; every page its ``size``."""
    by_no = {p["page"]: p for p in pages}
    for grid in grids:
        by_no[grid.page_no].update(
            size=[grid.width, grid.height], fields=by_no[grid.page_no].get("fields", [])
        )
    if isinstance(layout, RowLayout):
        _rows(layout, grids, sheets, by_no)
        return
    for record in records:
        numbers = record.get("pages") or [record["page"]]
        page = stack([g for g in grids if g.page_no in numbers])
        for item in _form(layout, page, record):
            target = by_no[item.pop("on", numbers[0])]
            target.setdefault("tables", []).append(item) if item.pop("table", False) else target[
                "fields"
            ].append(item)


def _rows(layout: RowLayout, grids: list[PageGrid], sheets: list[dict], by_no: dict[int, dict]) -> None:
    """A row layout: its sheet fields (values as read), its columns' header cells (boxes)."""
    for sheet in sheets:
        page = by_no.get(sheet.get("page") or 0)
        for spec in layout.sheet_fields if page is not None else []:
            value = sheet.get(spec.name)
            page["fields"].append(_item(spec.name, spec.label, value is not None, value))
    for grid in grids:
        for _, cmap in find_table(grid, layout):
            for cell in cmap.named:
                name = cmap.column_of(cell) or "column"
                by_no[grid.page_no]["fields"].append(
                    _item(f"column {name}", cell.text.strip(), True, None, label_box=_box(cell.bbox))
                )


def _item(name: str, label: str, found: bool, value: object, **boxes: list[float] | None) -> dict:
    return {"name": name, "label": label, "found": found, "value": value, **boxes}


def _form(layout: FormLayout, page: FormPage, record: dict) -> list[dict]:
    out = [_field(page, spec, record.get(spec.group, {}) if spec.group else record) for spec in layout.fields]
    out += [_table(page, spec, layout, record) for spec in layout.tables]
    for spec in layout.ratings:
        label = find_label(page, spec.labels)
        value = " ".join(str(record[k]) for k in (spec.name, spec.label_field) if record.get(k))
        cells = _beside(page, label, "right") if label else []
        out.append(_located(page, spec.name, spec.label, label, value or None, cells))
    for choice in layout.choices:
        value = record.get(choice.name)
        out.append(_item(choice.name, choice.label, bool(value), value))
    for block in layout.blocks:
        for area, item in zip(block_pages(page, block), record.get(block.name) or [], strict=False):
            for spec in block.fields:
                found = _field(area, spec, item)
                out.append({**found, "name": f"{block.name}[{item.get('no')}].{spec.name}"})
    return out


def _field(page: FormPage, spec: FieldSpec, record: dict) -> dict:
    value = record.get(spec.name)
    if not spec.labels or spec.value == "free_below":
        return _item(spec.name, spec.label, value is not None, value)
    label = find_label(page, spec.labels, spec.after)
    cells = _beside(page, label, spec.value) if label is not None else []
    item = _located(page, spec.name, spec.label, label, value, cells)
    if spec.chosen:
        item["mark"] = value if value is not None else "no option chosen (see the problems)"
    return item


def _beside(page: FormPage, label: Cell, how: str) -> list[Cell]:
    if how == "left":
        return [c for c in [left_of(page, label)] if c]
    if how == "row":
        return row_right(page, label)
    if how == "below":
        return [c for c in [below(page, label)] if c]
    return right_stack(page, label)


def _located(
    page: FormPage, name: str, label: str, cell: Cell | None, value: object, cells: list[Cell]
) -> dict:
    if cell is None:
        return _item(name, label, False, value)
    item = _item(name, label, True, value, label_box=_box(cell.bbox, page), value_box=_union(cells, page))
    item["on"] = page.page_at(cell.bbox.top)
    return item


def _table(page: FormPage, spec: TableSpec, layout: FormLayout, record: dict) -> dict:
    fresh = FormPage(page.grid, page.cells, page.keys, page.spans)
    read = read_table(fresh, spec, layout)
    item = _item(spec.name, spec.label, read is not None, f"{len(record.get(spec.name) or [])} entries")
    item["table"] = True
    if read is not None:
        heads = [c for c in read.heads if c.row >= 0]
        item["header_row"] = [" ".join(c.text.split()) for c in heads]
        item["columns"] = [c.name or f"{c.fiscal_year} {c.kind or ''}".strip() for c in read.columns]
        item["label_box"] = _union(heads, page)
        item["on"] = page.page_at(heads[0].bbox.top) if heads else page.grid.page_no
    return item


def _box(b: BBox, page: FormPage | None = None) -> list[float]:
    dy = 0.0
    if page is not None and page.spans:
        dy = max((s for s in page.spans if s[0] <= b.top + 2.0), default=(0.0, 0))[0]
    return [round(v, 1) for v in (b.x0, b.top - dy, b.x1, b.bottom - dy)]


def _union(cells: list[Cell], page: FormPage) -> list[float] | None:
    if not cells:
        return None
    top = min(cells, key=lambda c: c.bbox.top)
    bottom = max(c.bbox.bottom for c in cells if page.page_at(c.bbox.top) == page.page_at(top.bbox.top))
    box = BBox(min(c.bbox.x0 for c in cells), top.bbox.top, max(c.bbox.x1 for c in cells), bottom)
    return _box(box, page)
