"""What SQL may do on a served hyoka database: read it, and nothing else.

Datasette checks the SQL typed at ``?sql=``, but not a canned query's, and a layout file (or
the JSON a build loads) brings canned queries of its own: ``VACUUM INTO 'x.db'`` or ``ATTACH
'x.db'`` would write a file on a GET even though the site opens the database read-only. SQLite asks
this authorizer about every statement as it is prepared, whoever wrote it, so what writes is
refused before it runs: writes of every kind (the temporary schema too), ATTACH and DETACH
(VACUUM attaches its target, so it is refused with them), transactions (a lock held open by one
query) and any PRAGMA that sets a value. Reading pragmas, which Datasette uses, still answer.
"""

from __future__ import annotations

import sqlite3

_WRITES = frozenset(
    getattr(sqlite3, f"SQLITE_{name}")
    for name in (
        "INSERT", "UPDATE", "DELETE", "ALTER_TABLE", "REINDEX", "ANALYZE", "ATTACH", "DETACH",
        "TRANSACTION", "SAVEPOINT", "CREATE_INDEX", "CREATE_TABLE", "CREATE_TEMP_INDEX",
        "CREATE_TEMP_TABLE", "CREATE_TEMP_TRIGGER", "CREATE_TEMP_VIEW", "CREATE_TRIGGER",
        "CREATE_VIEW", "CREATE_VTABLE", "DROP_INDEX", "DROP_TABLE", "DROP_TEMP_INDEX",
        "DROP_TEMP_TABLE", "DROP_TEMP_TRIGGER", "DROP_TEMP_VIEW", "DROP_TRIGGER", "DROP_VIEW",
        "DROP_VTABLE",
    )
)  # fmt: skip
# pragmas whose argument names what to read (table_info(t)), not a value to set
_INSPECTING = frozenset({
    "table_info", "table_xinfo", "table_list", "index_info", "index_list", "index_xinfo",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
})  # fmt: skip
_ACTING = frozenset({"optimize", "incremental_vacuum", "shrink_memory", "wal_checkpoint"})
# SQLite asks to update its schema table while it declares a pragma's table-valued function
# (select * from pragma_table_info('t')); a real write there is refused by SQLite itself,
# since writable_schema, the pragma that would allow it, cannot be set here.
_SCHEMA = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"})


def _reads(pragma: str | None, value: str | None) -> bool:
    """Whether a PRAGMA only reads: no value, or an argument naming what to read."""
    name = (pragma or "").lower()
    return name in _INSPECTING or (value is None and name not in _ACTING)


def authorize(
    action: int, arg1: str | None, arg2: str | None, database: str | None, trigger: str | None
) -> int:
    """SQLite's authorizer callback: SQLITE_DENY for anything that would write or set."""
    if action == sqlite3.SQLITE_PRAGMA:
        return sqlite3.SQLITE_OK if _reads(arg1, arg2) else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_UPDATE and arg1 in _SCHEMA:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY if action in _WRITES else sqlite3.SQLITE_OK


def read_only(conn: sqlite3.Connection) -> None:
    """From now on, the connection may only read."""
    conn.set_authorizer(authorize)
