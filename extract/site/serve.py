"""Serve a hyoka database read-only with Datasette, in this process.

The metadata is generated for the database being served and handed to Datasette in memory,
so nothing is written next to the user's database. The port is bound before anything says
"serving": a busy port is one line and exit 1. Each report's PDF is served (by the plugin, at
/pdfs/NAME) from ``--pdfs``, else from the one folder the build read every PDF from
(``build_info.pdf_folder``), else from the folder it read that report from
(``reports.folder``); without them the site still serves, and says that page links cannot
open. Datasette is pinned to 0.65: the 1.0 alphas
move canned queries and configuration out of metadata.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import uvicorn
from datasette.app import Datasette
from datasette.utils import tilde_encode

from extract.errors import HyokaError
from extract.manifest import read_rows
from extract.site import is_hyoka
from extract.site.metadata import layout_queries, metadata
from extract.site.registry import stamp_of

SETTINGS = {"default_page_size": 100, "sql_time_limit_ms": 3000, "suggest_facets": False}


class ServeError(HyokaError):
    """The database cannot be served (missing, not hyoka's, or the port is taken)."""


def _read(db: Path, sql: str) -> list[tuple]:
    return read_rows(db, sql) or []


def recorded_pdf_folder(db: Path) -> Path | None:
    """The folder of the PDFs the build read, as recorded in build_info (None if unknown)."""
    rows = _read(db, "select value from build_info where name = 'pdf_folder'")
    return Path(rows[0][0]) if rows else None


def _is_hyoka_file(db: Path) -> bool:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return is_hyoka(conn)
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def site_metadata(db: Path, pdfs: Path | None) -> dict:
    """The metadata of the database served: its views, columns, facets and canned queries."""
    name = db.stem
    meta = metadata(db, name, pdfs, db_url="/" + tilde_encode(name))
    if pdfs:  # the plugin serves each report's PDF at /pdfs/NAME, from here before anywhere else
        meta["plugins"] = {"hyoka": {"pdfs": str(pdfs)}}
    return meta


def make_datasette(db: Path, pdfs: Path | None) -> Datasette:
    """A Datasette over one database, opened read-only (not immutable: a build may commit in
    place while it serves; each reading statement sees one commit whole, in WAL mode), its
    metadata in memory, PDFs at /pdfs/."""
    return Datasette(files=[str(db)], metadata=site_metadata(db, pdfs), settings=SETTINGS)


def fresh_metadata(ds: Datasette, db: Path, pdfs: Path | None, app):
    """The ASGI app, with the metadata made again before a request when a build changed the
    database since (a new layout brings views and canned queries)."""
    seen = [stamp_of(str(db))]

    async def serve_fresh(scope, receive, send):
        if scope.get("type") == "http" and stamp_of(str(db)) != seen[0]:
            seen[0] = stamp_of(str(db))  # before reading: a commit in between is seen next time
            ds._metadata_local = site_metadata(db, pdfs)  # Datasette 0.65 reads it on every request
        await app(scope, receive, send)

    return serve_fresh


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, or one line saying why the port cannot be used."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"{host}:{port}", f"cannot listen there ({exc.strerror})") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def pdf_folder(db: Path, given: Path | None) -> Path | None:
    """The folder to serve at /pdfs/: the one given, else the build's, if it holds the reports' PDFs."""
    folder = given or recorded_pdf_folder(db)
    files = [row[0] for row in _read(db, "select file from reports")]
    if folder and any((folder / name).is_file() for name in files):
        return folder.resolve()
    return None


def _pdfs_where_read(db: Path) -> bool:
    """Whether any report's PDF is still in the folder the build read it from."""
    rows = _read(db, "select folder, file from reports where folder is not null")
    return any((Path(folder) / name).is_file() for folder, name in rows)


def serve(db: Path, pdfs: Path | None, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve until interrupted; ``say`` gets the lines for the user."""
    if not db.is_file():
        raise ServeError(db, "no database (run `hyoka build` first)")
    if not _is_hyoka_file(db):
        raise ServeError(db, "not a hyoka database (make one with `hyoka build`)")
    if pdfs and not pdfs.is_dir():
        raise ServeError(pdfs, "no such folder of PDFs")
    folder = pdf_folder(db, pdfs)
    sock = bind(host, port)
    ds = make_datasette(db, folder)
    asyncio.run(ds.invoke_startup())
    for line in layout_queries(db)[1]:  # a layout query shadowing a built-in one or a table
        say(line)
    spread = folder is None and not pdfs and _pdfs_where_read(db)
    if folder is None and not spread:
        where = pdfs or recorded_pdf_folder(db) or "the folders the build read"
        say(f"no PDFs: {where} holds none of its PDFs; page numbers are not links (give --pdfs DIR)")
    source = (
        f" (PDFs from {folder})" if folder else " (PDFs from the folders the build read)" if spread else ""
    )
    say(f"serving {db} on http://{host}:{port}/" + source)
    config = uvicorn.Config(fresh_metadata(ds, db, folder, ds.app()), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
