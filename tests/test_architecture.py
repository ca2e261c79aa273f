"""Imports follow the data, each library stays at its edge, and no expected text is in the code."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

from conftest import EXPECTED, ROOT

from schemas.grid import PageGrid

# Each stage may import only the stages before it (and schemas/).
ORDER = [
    "errors",
    "manifest",
    "settings",
    "forked",
    "normalise",
    "patterns",
    "layout",
    "read_content",
    "read_geometry",
    "read_pdfium",
    "read_ocr",
    "read",
    "text",
    "paragraphs",
    "grid",
    "read_apart",
    "columns",
    "boxes",
    "rows",
    "remarks",
    "classify",
    "front",
    "leftovers",
    "form_cells",
    "form_tables",
    "form_sheets",
    "forms",
    "form_trace",
    "records",
    "pipeline",
    "draft",
    "draft_rows",
    "draft_toml",
    "batch",
    "search",
    "isolate",
    "identity",
    "schema",
    "insert",
    "load",
    "history",
    "build_state",
    "lock",
    "sources",
    "build",
    "export",
    "check_html",
    "site",
    "serve",
    "cli_options",
    "cli",
    "__main__",
]
EDGES = {
    "pdfplumber": {"read", "grid"},
    "pdfminer": {"read", "read_content"},
    "pypdfium2": {"read_pdfium"},
    "tesserocr": {"read_ocr"},
    "cv2": {"read_ocr"},
    "numpy": {"read_ocr"},
    "sqlite_utils": {"insert", "load", "history"},
    "datasette": {"site", "serve"},
    "uvicorn": {"serve"},
    "vl_convert": {"site"},
    "click": {"cli", "cli_options"},
    "dask": {"batch"},
    "regex": {"patterns"},
}


def _imports(path: Path) -> set[str]:
    """Modules imported, ``from extract.reading import read_pdfium`` as extract.reading.read_pdfium."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module in PACKAGES:
                names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


PACKAGES = ("extract", "extract.reading", "extract.database")


def _stage(module: str) -> str | None:
    """The stage of a module path: its own name, or `site` for the plugin modules of extract.site
    (its serve.py, which starts the server, is a stage of its own)."""
    parts = module.split(".")
    if parts[0] != "extract" or len(parts) < 2 or module in PACKAGES:
        return None
    return "site" if parts[1] == "site" and parts[-1] != "serve" else parts[-1]


def _stages() -> list[tuple[str, Path]]:
    """(stage, module file) of every module of extract/ and its sub-packages."""
    out = []
    for path in sorted((ROOT / "extract").rglob("*.py")):
        if path.stem == "__init__" and path.parent.name != "site":
            continue
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out.append((_stage(dotted) or path.stem, path))
    return out


def test_each_stage_lives_in_its_sub_package() -> None:
    """Reading (PDF -> Report) and the database each have their sub-package; serving is site/."""
    where = {stage: path.parent.name for stage, path in _stages()}
    assert {s for s, p in where.items() if p == "reading"} >= {"read", "grid", "rows", "forms", "pipeline"}
    assert {s for s, p in where.items() if p == "database"} >= {"schema", "load", "history", "build"}
    assert where["site"] == "site" and where["cli"] == "extract"


def test_stages_import_only_earlier_stages() -> None:
    for stage, path in _stages():
        assert stage in ORDER, f"{path.name}: place the new module in ORDER"
        mine = ORDER.index(stage)
        for name in _imports(path):
            other = _stage(name)
            if other is not None:
                assert ORDER.index(other) < mine or other == stage == "site", (
                    f"{path.name} imports the later stage {other}"
                )


def test_libraries_stay_at_their_edge() -> None:
    for stage, path in _stages():
        for name in _imports(path):
            root = name.split(".")[0]
            if root in EDGES:
                assert stage in EDGES[root], f"{path.name} imports {root}"
    for path in sorted((ROOT / "schemas").glob("*.py")):
        assert not {n.split(".")[0] for n in _imports(path)} & {"pdfplumber", "click", "extract"}


def _literal(node: ast.expr) -> bool:
    """The code's own pattern: a literal, a module constant (UPPER_CASE) or a sum of them."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.lstrip("_").isupper()
    if isinstance(node, ast.JoinedStr):  # an f-string of literals and module constants
        return all(_literal(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values)
    return isinstance(node, ast.BinOp) and _literal(node.left) and _literal(node.right)


def test_layout_patterns_run_with_a_time_limit() -> None:
    """``re`` (no time limit) only runs the code's own literal patterns: a pattern from a layout
    file goes through extract/reading/patterns.py, whose matches stop after a time limit."""
    for _, path in _stages():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
            ):
                assert _literal(node.args[0]), f"{path.name}:{node.lineno}: re.{node.func.attr} of a variable"


def test_code_does_not_know_the_answer() -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    needles = {
        line[:12]
        for row in expected["evaluations"]
        for field in ("initiative_title", "results", "outlook")
        for line in (row[field] or "").splitlines()
        if len(line) >= 12
    }
    needles |= {p["policy_title"] for p in expected["policies"]}
    for folder in ("extract", "schemas"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".toml", ".json"}:
                text = path.read_text(encoding="utf-8")
                hits = [n for n in needles if n in text]
                assert not hits, f"{path} contains expected text: {hits[:3]}"


# Stages return what they produce: a reader returns what it read from a page (schemas.grid.Taken)
# and a derived grid is a new one (paragraphs.py), so no stage changes a page another handed on.
_PAGE_TYPES = {"PageGrid", "Table", "Cell", "TextLine"}
_MUTATORS = {"add", "update", "append", "extend", "insert", "pop", "remove", "clear", "sort", "setdefault"}
_BUILDERS = {"grid.py"}  # builds the page's tables and fills their cells before handing them on


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _names(annotation: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}


def _page_writes(source: str) -> list[str]:
    """Writes to a page a function was given: assignments to an attribute or item of a
    parameter typed as a page object (or of what a loop takes out of one), and mutating calls
    on them; and any mention of ``.used``, the mark readers once left on the grid."""
    found = []
    for fn in ast.walk(ast.parse(source)):
        if isinstance(fn, ast.Attribute) and fn.attr == "used":
            found.append(f"line {fn.lineno}: {ast.unparse(fn)}")
        if not isinstance(fn, ast.FunctionDef):
            continue
        args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
        page = {a.arg for a in args if a.annotation and _names(a.annotation) & _PAGE_TYPES}
        for node in ast.walk(fn):
            if isinstance(node, ast.For) and _root(node.iter) in page and isinstance(node.target, ast.Name):
                page.add(node.target.id)  # for cell in table.cells: the cell is the page's too
            targets = node.targets if isinstance(node, ast.Assign) else []
            targets += [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            found += [
                f"line {node.lineno}: {fn.name} assigns {ast.unparse(t)}"
                for t in targets
                if isinstance(t, (ast.Attribute, ast.Subscript)) and _root(t) in page
            ]
            call = node.func if isinstance(node, ast.Call) else None
            if isinstance(call, ast.Attribute) and call.attr in _MUTATORS and _root(call.value) in page:
                found.append(f"line {node.lineno}: {fn.name} calls {ast.unparse(call)}")
    return found


def test_no_stage_writes_to_a_page_it_was_given() -> None:
    """A reader returns what it took instead of marking the grid for the next one (no shared
    ``PageGrid.used``), and a text rule returns a new grid instead of rewriting the cells."""
    assert "used" not in {f.name for f in dataclasses.fields(PageGrid)}
    writes = {
        path.name: found
        for path in sorted((ROOT / "extract" / "reading").glob("*.py"))
        if path.name not in _BUILDERS and (found := _page_writes(path.read_text(encoding="utf-8")))
    }
    assert writes == {}


def _marked_sets(source: str) -> list[str]:
    """Parameters that hand a mutable set of cell ids to a function to mark (``set[int]``): a
    step returns what it took (a ``Taken``, a frozenset) instead."""
    return [
        f"line {node.lineno}: {node.name}({arg.arg})"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        if arg.annotation is not None
        and ast.unparse(arg.annotation).replace(" ", "") in ("set[int]", "set[int]|None")
    ]


def test_no_step_marks_a_set_it_was_given() -> None:
    """Readers (and the draft's steps) return what they consumed, none marks a shared set."""
    found = {
        path.name: hits
        for path in sorted((ROOT / "extract").rglob("*.py"))
        if (hits := _marked_sets(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert _marked_sets("def _fields(page, taken: set[int]) -> None:\n    taken.add(1)\n") == [
        "line 1: _fields(taken)"
    ]
    assert _marked_sets("def _fields(page, taken: Taken) -> Taken:\n    return taken | {1}\n") == []


def test_the_page_write_check_sees_a_reader_marking_the_grid() -> None:
    """The check above on the shapes it must catch (and one it must let pass)."""
    marking = "def read(grid: PageGrid) -> None:\n    grid.used.add(1)\n"
    rewriting = "def retext(grid: PageGrid) -> None:\n    for t in grid.tables:\n        for c in t.cells:\n            c.text = ''\n"
    own = "def build() -> PageGrid:\n    cells = []\n    cells.append(1)\n"
    assert len(_page_writes(marking)) == 2  # .used, and the call on the grid
    assert _page_writes(rewriting) == ["line 4: retext assigns c.text"]
    assert _page_writes(own) == []


def _publisher_field_names() -> set[str]:
    """The names a shipped layout gives its fields (row, sheet, remark fields, a table's
    columns, a query's columns) that are a publisher's own: compound names (initiative_title,
    latest_cost) and its tables' names (costs) — less the record model's own columns, which
    every layout shares (department, rating, fiscal_year …). Plain English words a field may
    be called (name, value) are left out: the code uses them in their own sense."""
    from extract.database.history import LINK_TABLES
    from extract.database.schema import TABLES
    from extract.reading.layout import all_layouts
    from extract.reading.records import describe_layout

    names: set[str] = set()
    for layout in all_layouts():
        info = describe_layout(layout)
        names |= {t.name for t in info.tables}
        for f in [*info.fields, *info.sheet_fields, *info.remark_fields, *info.table_columns]:
            names |= {part for part in f.name.split(".") if "_" in part}
        names |= {name for query in layout.queries for name in query.columns if "_" in name}
    own = {column for columns, _, _ in [*TABLES.values(), *LINK_TABLES.values()] for column in columns}
    return names - own


def _code_parts(text: str, suffix: str) -> tuple[set[str], list[str]]:
    """The identifiers and the string literals of a file's code (docstrings and comments left
    out: prose may say "costs" without naming a table); of a template or a script, its words
    and its whole text."""
    if suffix != ".py":
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)), [text]
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    identifiers: set[str] = set()
    literals: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            identifiers.add(node.id)
        elif isinstance(node, ast.Attribute):
            identifiers.add(node.attr)
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            identifiers.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            identifiers.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            literals.append(node.value)
    return identifiers, literals


def test_no_code_knows_a_publisher_field() -> None:
    """Issue 23: hyoka's code (extract/ but its layout files, and schemas/) works through roles
    and the names a layout file gives; a layout's own names (Koganei's initiative_title, its
    report keys policies and comments, a form's costs table) and its own words (【基本施策】,
    施策番号, 委員会の意見) live in its file only."""
    names, keys, words = _publisher_field_names(), _publisher_keys(), _publisher_words()
    assert {
        "initiative_title",
        "measure_no",
        "policy_title",
        "costs",
        "latest_cost",
        "results_covid",
    } <= names
    assert {"policies", "comments", "measures"} <= keys
    assert {"【基本施策】", "基本施策", "施策番号", "委員会", "【新規】"} <= words
    found = []
    for path in _code_files():
        text = path.read_text(encoding="utf-8")
        found += [
            f"{path.relative_to(ROOT)}: {hit}"
            for hit in _publisher_hits(text, path.suffix, names, keys, words)
        ]
    assert found == []


def test_the_publisher_check_sees_a_name_a_key_and_a_word() -> None:
    """The check above on the shapes it must catch, and the prose it lets pass."""
    names, keys, words = {"policy_title"}, {"comments"}, {"基本施策"}
    prose = '"""Docstrings say policy_title, comments and 基本施策."""\n# so do comments: policy_title\n'
    assert _publisher_hits(prose + "x = 'a comments column'\n", ".py", names, keys, words) == []
    assert _publisher_hits("row.comments = 1\n", ".py", names, keys, words) == ["comments"]
    assert _publisher_hits("def comments(): pass\n", ".py", names, keys, words) == ["comments"]
    assert _publisher_hits("x = {'comments': 1}\n", ".py", names, keys, words) == ["comments"]
    assert _publisher_hits("x = r['policy_title']\n", ".py", names, keys, words) == ["policy_title"]
    assert _publisher_hits("sql = 'select policy_title from t'\n", ".py", names, keys, words) == [
        "policy_title"
    ]
    assert _publisher_hits("f(policy_title=1)\n", ".py", names, keys, words) == ["policy_title"]
    assert _publisher_hits("label = 'the 基本施策 box'\n", ".py", names, keys, words) == ["基本施策"]
    assert _publisher_hits("<th>基本施策</th>", ".html", names, keys, words) == ["基本施策"]


def _code_files() -> list[Path]:
    """hyoka's code: extract/ (its shipped layout files aside) and schemas/."""
    layouts = ROOT / "extract" / "layouts"
    return sorted(
        p
        for p in [*(ROOT / "extract").rglob("*"), *(ROOT / "schemas").rglob("*")]
        if p.suffix in (".py", ".html", ".js") and "__pycache__" not in p.parts and layouts not in p.parents
    )


def _publisher_hits(text: str, suffix: str, names: set[str], keys: set[str], words: set[str]) -> list[str]:
    """A layout's field names (an identifier, or a word of a string literal), its plain-word
    keys (an identifier, or a whole string literal: prose may say "comments") and its
    Japanese words (in a string literal) found in code."""
    identifiers, literals = _code_parts(text, suffix)
    literal_words = {w for lit in literals for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", lit)}
    hits = sorted((identifiers | literal_words) & names)
    hits += sorted((identifiers | set(literals)) & keys)
    return hits + sorted(w for w in words if any(w in lit for lit in literals))


def _publisher_keys() -> set[str]:
    """The report keys and group lists a shipped layout names: plain words (policies, comments)."""
    from extract.reading.layout import all_layouts
    from schemas.layout import RowLayout

    keys: set[str] = set()
    for layout in all_layouts():
        if isinstance(layout, RowLayout) and layout.box:
            keys |= {layout.box.key} | ({layout.box.groups.name} if layout.box.groups else set())
        if isinstance(layout, RowLayout) and layout.remarks:
            keys.add(layout.remarks.key)
    return keys


# A word of a shipped layout's box or remarks that is hyoka's own too: シート, the page unit it
# reads (評価シート), with which Koganei also heads its sheet-number column.
_OWN_WORDS = {"シート"}
_JAPANESE_WORD = re.compile(r"【[^】]+】|[\u3005\u30a0-\u30ff\u3400-\u9fff]{2,}")


def _publisher_words() -> set[str]:
    """The Japanese words a shipped layout declares for what hyoka once knew by name: every
    marker (a box's 【基本施策】, a flag's 【新規】, a split's 【感染症対応】), and the kanji and
    katakana words of its heading box's and remarks' labels and label patterns."""
    from extract.reading.layout import all_layouts
    from schemas.layout import RowLayout

    words: set[str] = set()
    for layout in all_layouts():
        if not isinstance(layout, RowLayout):
            continue
        texts = [c.flag.marker for c in layout.columns if c.flag]
        texts += [c.split.marker for c in layout.columns if c.split]
        if box := layout.box:
            texts += [box.marker or ""] + [t for f in box.fields for t in (f.label, f.pattern)]
            texts += [f.number.label for f in box.fields if f.number]
            if box.groups:
                g = box.groups
                texts += [g.label, g.pattern, g.number.label, g.title.label]
        if layout.remarks:
            texts += [c.label for c in layout.remarks.columns]
            texts += [c.group.label for c in layout.remarks.columns if c.group]
        words |= {w for t in texts for w in _JAPANESE_WORD.findall(t)}
    return words - _OWN_WORDS
