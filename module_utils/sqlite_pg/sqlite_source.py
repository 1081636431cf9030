"""The SQLite side: a read-only snapshot and the schema as SQLite itself reports it."""

from __future__ import annotations

import codecs
import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import source_file
from .errors import MigrationError
from .sqlite_sql import SqlSyntaxError, TableSyntax, parse_create_table
from .utf8 import shown_text

FETCH_ROWS = 4096


@dataclass(frozen=True)
class SourceColumn:
    name: str
    declared: str
    not_null: bool
    default: str | None
    pk_position: int  # 0 when not part of the primary key


@dataclass(frozen=True)
class SourceIndex:
    name: str
    columns: tuple[str, ...]
    unique: bool
    origin: str  # 'c' CREATE INDEX, 'u' UNIQUE constraint, 'pk'
    partial: bool
    has_expression: bool
    collations: tuple[str, ...] = ()  # per key column, upper-cased (PRAGMA index_xinfo)


@dataclass(frozen=True)
class SourceForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str | None, ...]  # None: the parent's primary key
    on_update: str
    on_delete: str


@dataclass(frozen=True)
class GeneratedColumn:
    """A generated column (PRAGMA table_xinfo hidden 2 = VIRTUAL, 3 = STORED); its
    expression is only in the CREATE TABLE text (None when that could not be parsed)."""

    name: str
    declared: str
    not_null: bool
    stored: bool
    expression: tuple | None  # the expression's tokens (sqlite_sql.Token)
    text: str  # the expression as written


@dataclass(frozen=True)
class SchemaObject:
    """A view or trigger of sqlite_master."""

    kind: str  # view | trigger
    name: str
    table: str  # a trigger's table; a view's own name
    sql: str


@dataclass
class SourceTable:
    name: str
    columns: list[SourceColumn]
    sql: str
    without_rowid: bool
    indexes: list[SourceIndex] = field(default_factory=list)
    foreign_keys: list[SourceForeignKey] = field(default_factory=list)
    generated: list[GeneratedColumn] = field(default_factory=list)
    syntax: TableSyntax | None = None  # the parsed CREATE TABLE (None: not parsed)
    syntax_error: str = ""

    @property
    def primary_key(self) -> list[str]:
        keyed = sorted((c for c in self.columns if c.pk_position), key=lambda c: c.pk_position)
        return [c.name for c in keyed]

    @property
    def autoincrement(self) -> bool:
        return "AUTOINCREMENT" in self.sql.upper()

    @property
    def rowid_alias(self) -> str | None:
        """The INTEGER PRIMARY KEY column (an alias of the rowid), if any."""
        keys = [c for c in self.columns if c.pk_position]
        if len(keys) == 1 and keys[0].declared.strip().upper() == "INTEGER" and not self.without_rowid:
            return keys[0].name
        return None


class StringTooBig(Exception):
    """A string SQLite builds would pass its length limit (SQLITE_MAX_LENGTH)."""


def quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteSource:
    """One read transaction on a read-only connection: a consistent snapshot.

    In WAL mode the application keeps writing while we read; in rollback-journal
    mode its writes wait for our read to finish (SQLite's locking).
    """

    def __init__(self, path: str, file: source_file.SourceFile | None = None) -> None:
        self.path = path
        # The file itself is looked at only before the first connection (source_file.py says why).
        self.file = file if file is not None else source_file.inspect(path)
        # The fast path reads from two threads (table_copy: a reader and its
        # consumer). SQLite serialises the calls, but an error's code and
        # message are the connection's last: another thread's call in between
        # replaces them ("not an error"). Each call and its error under this lock.
        self._lock = threading.RLock()
        try:
            self.conn = sqlite3.connect(
                self.file.uri, uri=True, isolation_level=None, check_same_thread=False
            )
            # Text as bytes: invalid UTF-8 is then found per value instead of
            # failing a whole fetch with no row to name.
            self.conn.text_factory = bytes
            self.conn.execute("BEGIN")
            # The snapshot starts at the first read, not at BEGIN.
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise MigrationError(f"cannot read SQLite database {path}: {exc}") from exc

    def another(self) -> SqliteSource:
        """A second connection to the same file (for PRAGMA quick_check), opened
        through SQLite only: safe while this one holds its lock."""
        return SqliteSource(self.path, self.file)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("COMMIT")
        self.conn.close()

    def _query(self, sql: str, params: tuple[object, ...] = (), table: str | None = None) -> list[tuple]:
        try:
            with self._lock:
                return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            if table is not None:
                raise self._read_error(table, exc) from exc
            raise MigrationError(f"SQLite database {self.path} cannot be read (corrupt?): {exc}") from exc

    def quick_check(self) -> None:
        try:
            rows = self.conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:  # SQLite stops at some damage ("malformed")
            rows = [(str(exc),)]
        messages = [shown_text(r[0]) for r in rows]
        if messages != ["ok"]:
            damaged = ", ".join(self._damaged_tables())
            where = f"; the damage is in table(s) {damaged} (their rows or indexes)" if damaged else ""
            leave = f", or leave {damaged} behind (exclude_tables and check_source: false)" if damaged else ""
            raise MigrationError(
                f"SQLite database {self.path} is corrupt (PRAGMA quick_check): "
                + "; ".join(messages[:5])
                + f"{where}. Nothing was written; restore it from a backup or rescue it with "
                f"sqlite3's .recover{leave}"
            )

    def _damaged_tables(self) -> list[str]:
        """The tables whose own check fails (PRAGMA quick_check(table) checks a table
        and its indexes): once, after the whole check failed."""
        damaged: list[str] = []
        try:
            names = [
                self._text(r[0])
                for r in self.conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 ORDER BY name"
                ).fetchall()
            ]
        except sqlite3.DatabaseError:
            return damaged
        for name in names:
            try:
                rows = self.conn.execute(f"PRAGMA quick_check({quote_sqlite(name)})").fetchall()
            except sqlite3.DatabaseError:
                damaged.append(name)
                continue
            if [self._text(r[0]) for r in rows] != ["ok"]:
                damaged.append(name)
        return damaged

    @staticmethod
    def _text(value: object) -> str:
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def table_names(self) -> list[str]:
        """Every table (virtual and shadow tables too), except SQLite's own sqlite_* tables."""
        return [name for name, _sql in self.table_entries()]

    def table_entries(self) -> list[tuple[str, str]]:
        """(name, CREATE statement) of every table but SQLite's own, by name."""
        rows = self._query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
        return [(self._text(r[0]), self._text(r[1] or b"")) for r in rows]

    def table_types(self) -> dict[str, str] | None:
        """PRAGMA table_list's type of each table ('table', 'virtual', 'shadow', ...);
        None before SQLite 3.37, which has no table_list (and ignores unknown pragmas)."""
        if sqlite3.sqlite_version_info < (3, 37, 0):
            return None
        try:
            rows = self.conn.execute("PRAGMA main.table_list").fetchall()
        except sqlite3.DatabaseError:  # the caller's fallback serves
            return None
        return {self._text(r[1]): self._text(r[2]) for r in rows}

    def unreadable(self, table: str) -> str | None:
        """SQLite's error when it cannot even describe ``table`` (a virtual table whose
        module this SQLite lacks: 'no such module: ...'), else None."""
        try:
            self.conn.execute(f"PRAGMA table_xinfo({quote_sqlite(table)})").fetchall()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None

    def column_names(self, table: str) -> list[str]:
        """Every column of ``table`` (or a view) as SQLite lists it, hidden and generated ones too."""
        rows = self._query(f"PRAGMA table_xinfo({quote_sqlite(table)})", table=table)
        return [self._text(r[1]) for r in rows]

    def read_table(self, name: str) -> SourceTable:
        sql_rows = self._query(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,), table=name
        )
        sql = self._text(sql_rows[0][0]) if sql_rows and sql_rows[0][0] is not None else ""
        info = self._query(f"PRAGMA table_xinfo({quote_sqlite(name)})", table=name)
        columns = [
            SourceColumn(
                name=self._text(r[1]),
                declared=self._text(r[2] or b""),
                not_null=bool(r[3]),
                default=None if r[4] is None else self._text(r[4]),
                pk_position=int(r[5]),
            )
            for r in info
            if r[6] == 0  # hidden: 0 = ordinary column, 2/3 generated (below), 1 a virtual table's
        ]
        table = SourceTable(name, columns, sql, without_rowid="WITHOUT ROWID" in sql.upper())
        try:
            table.syntax = parse_create_table(sql)
        except SqlSyntaxError as exc:
            table.syntax_error = str(exc)
        for r in info:
            if r[6] in (2, 3):
                column_name = self._text(r[1])
                parsed = table.syntax.column(column_name) if table.syntax else None
                expression = parsed.generated if parsed else None
                table.generated.append(
                    GeneratedColumn(
                        column_name,
                        self._text(r[2] or b""),
                        bool(r[3]),
                        stored=r[6] == 3,
                        expression=expression.tokens if expression else None,
                        text=expression.text if expression else "",
                    )
                )
        for _seq, index_name, unique, origin, partial in self._query(
            f"PRAGMA index_list({quote_sqlite(name)})", table=name
        ):
            quoted = quote_sqlite(self._text(index_name))
            info = self._query(f"PRAGMA index_info({quoted})", table=name)
            keys = [r for r in self._query(f"PRAGMA index_xinfo({quoted})", table=name) if r[5]]
            table.indexes.append(
                SourceIndex(
                    name=self._text(index_name),
                    columns=tuple(self._text(r[2]) for r in info if r[2] is not None),
                    unique=bool(unique),
                    origin=self._text(origin),
                    partial=bool(partial),
                    has_expression=any(r[1] < 0 for r in info),
                    collations=tuple(self._text(r[4] or b"BINARY").upper() for r in keys),
                )
            )
        grouped: dict[int, list[tuple]] = {}
        for row in self._query(f"PRAGMA foreign_key_list({quote_sqlite(name)})", table=name):
            grouped.setdefault(row[0], []).append(row)
        for _fk_id, parts in sorted(grouped.items()):
            parts.sort(key=lambda r: r[1])
            table.foreign_keys.append(
                SourceForeignKey(
                    columns=tuple(self._text(r[3]) for r in parts),
                    parent=self._text(parts[0][2]),
                    parent_columns=tuple(None if r[4] is None else self._text(r[4]) for r in parts),
                    on_update=self._text(parts[0][5]),
                    on_delete=self._text(parts[0][6]),
                )
            )
        return table

    def schema_objects(self) -> list[SchemaObject]:
        """The views and triggers, in the order SQLite created them."""
        rows = self._query(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') "
            "AND sql IS NOT NULL ORDER BY rowid"
        )
        return [SchemaObject(*(self._text(v) for v in row)) for row in rows]

    def sequence_value(self, table: str) -> int | None:
        """AUTOINCREMENT's high-water mark: ids above max(id) that were used and deleted."""
        try:
            rows = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchall()
        except sqlite3.OperationalError:
            return None
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def size_hint(self, table: str) -> int:
        """About the row count, cheaply: the highest rowid (0 for WITHOUT ROWID
        or empty tables). For ordering work only."""
        try:
            rows = self.conn.execute(f"SELECT max(_rowid_) FROM {quote_sqlite(table)}").fetchall()
        except sqlite3.DatabaseError:
            return 0
        value = rows[0][0] if rows else None
        return int(value) if isinstance(value, int) else 0

    def count(self, table: str) -> int:
        return int(self._query(f"SELECT count(*) FROM {quote_sqlite(table)}", table=table)[0][0])

    def rows(self, table: SourceTable, columns: list[str], with_rowid: bool) -> Iterator[tuple]:
        """Rows one at a time (so a table of large BLOBs never sits in memory);
        the rowid, when asked for, comes last."""
        select = ", ".join(quote_sqlite(c) for c in columns) or "NULL"
        if with_rowid:
            select += ", _rowid_"
        try:
            cursor = self.conn.execute(f"SELECT {select} FROM {quote_sqlite(table.name)}")
            cursor.arraysize = FETCH_ROWS
            yield from cursor
        except sqlite3.DatabaseError as exc:
            raise self._read_error(table.name, exc) from exc

    def _read_error(self, table: str, exc: Exception) -> MigrationError:
        return MigrationError(f"SQLite database {self.path}: reading table {table} failed: {exc}")

    def batches(
        self, sql: str, table: str, size: int = FETCH_ROWS, params: tuple[object, ...] = ()
    ) -> Iterator[list[tuple]]:
        """The rows of ``sql`` in lists of up to ``size`` (fewer calls per row than iterating);
        StringTooBig when SQLite's string length limit stops a row."""
        try:
            with self._lock:
                cursor = self.conn.execute(sql, params)
            while True:
                with self._lock:
                    rows = cursor.fetchmany(size)
                if not rows:
                    return
                yield rows
        except sqlite3.DatabaseError as exc:
            if "too big" in str(exc):
                raise StringTooBig(str(exc)) from exc
            raise self._read_error(table, exc) from exc

    def one(self, sql: str, table: str, params: tuple[object, ...] = ()) -> tuple:
        """The one row of an aggregate query; StringTooBig when SQLite's string
        length limit stops it."""
        try:
            with self._lock:
                return self.conn.execute(sql, params).fetchone()
        except sqlite3.DatabaseError as exc:
            if "too big" in str(exc):
                raise StringTooBig(str(exc)) from exc
            raise self._read_error(table, exc) from exc

    def raw_row(self, table: str, columns: list[str], rowid: int) -> tuple:
        """One row as stored, its rowid last: for the values the fast path leaves to Python
        (StringTooBig: a value longer than the length limit)."""
        select = ", ".join(quote_sqlite(c) for c in columns) or "NULL"
        return self.one(
            f"SELECT {select}, _rowid_ FROM {quote_sqlite(table)} WHERE _rowid_ = ?", table, (rowid,)
        )

    @contextlib.contextmanager
    def length_limit(self, size: int) -> Iterator[None]:
        """SQLite refuses (StringTooBig) to load or build any string or blob
        longer than ``size`` bytes meanwhile: the fast path's guard against
        copying a huge value several times over (table_copy, large_value)."""
        previous = self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, size)
        try:
            yield
        finally:
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, previous)

    def next_rowid(self, table: str, lowest: int) -> int | None:
        """The first rowid from ``lowest`` on (reading no value)."""
        row = self.one(f"SELECT min(_rowid_) FROM {quote_sqlite(table)} WHERE _rowid_ >= ?", table, (lowest,))
        return row[0] if row else None

    def storage_classes(self, table: str, columns: list[str], rowid: int) -> list[str]:
        """typeof() of each value of a row (SQLite reads none of the values for it)."""
        select = ", ".join(f"typeof({quote_sqlite(c)})" for c in columns)
        row = self.one(f"SELECT {select} FROM {quote_sqlite(table)} WHERE _rowid_ = ?", table, (rowid,))
        return [self._text(t) for t in row]

    def value_size(self, table: str, column: str, rowid: int) -> int:
        """Bytes of a TEXT or BLOB value as stored (its encoding's, for text), read from its header."""
        with self._lock, self.conn.blobopen(table, column, rowid, readonly=True) as blob:
            return len(blob)

    def value_pieces(self, table: str, column: str, rowid: int, text: bool, size: int) -> Iterator[bytes]:
        """A TEXT or BLOB value in pieces of about ``size`` bytes, read in place
        (incremental I/O: never whole in memory, and not subject to the length
        limit); text as UTF-8 whatever the database's encoding."""
        decoder = None
        if text and self.encoding != "UTF-8":
            decoder = codecs.getincrementaldecoder(self.encoding.replace("UTF-16", "utf-16-"))()
            size -= size % 2
        with self._lock:
            blob = self.conn.blobopen(table, column, rowid, readonly=True)
        try:
            while True:
                with self._lock:
                    piece = blob.read(size)
                if decoder is not None:
                    piece = decoder.decode(piece, final=not piece).encode("utf-8", "surrogatepass")
                if not piece:
                    return
                yield piece
        finally:
            with self._lock:
                blob.close()

    @property
    def encoding(self) -> str:
        """PRAGMA encoding: UTF-8, UTF-16le or UTF-16be."""
        return self._text(self._query("PRAGMA encoding")[0][0])

    def null_rows(self, table: str, columns: list[str], select: list[str], limit: int) -> list[tuple]:
        """Rows where any of ``columns`` is NULL: (select values..., null flags...)."""
        flags = ", ".join(f"{quote_sqlite(c)} IS NULL" for c in columns)
        where = " OR ".join(f"{quote_sqlite(c)} IS NULL" for c in columns)
        chosen = ", ".join(quote_sqlite(c) for c in select) or "_rowid_"
        return self._query(
            f"SELECT {chosen}, {flags} FROM {quote_sqlite(table)} WHERE {where} LIMIT {int(limit)}",
            table=table,
        )

    def dangling_references(self, table: str) -> list[tuple]:
        """PRAGMA foreign_key_check rows: (table, rowid, parent, fk id)."""
        try:
            return self.conn.execute(f"PRAGMA foreign_key_check({quote_sqlite(table)})").fetchall()
        except sqlite3.DatabaseError as exc:
            raise MigrationError(f"SQLite cannot check the foreign keys of {table}: {exc}") from exc

    def row_by_rowid(self, table: str, columns: list[str], rowid: int) -> tuple | None:
        select = ", ".join(quote_sqlite(c) for c in columns)
        rows = self._query(f"SELECT {select} FROM {quote_sqlite(table)} WHERE _rowid_ = ?", (rowid,), table)
        return rows[0] if rows else None
