"""Reading SQLite's schema SQL (sqlite_master.sql): a tokenizer, and what a
CREATE TABLE says that no PRAGMA tells: generated columns' expressions, CHECK
constraints and column collations; the SELECT of a CREATE VIEW.

SQLite keeps these only as the text the application wrote, so they are parsed
here, carefully: quoted identifiers ("..", [..], `..`), strings with '',
blobs x'..', comments (-- and /* */) and nested parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Token:
    kind: str  # word (bare identifier or keyword), name (quoted identifier), string, blob, number, op, param
    text: str  # the value: a quoted identifier or string unquoted
    start: int  # offsets into the SQL, for the original text of a span
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    @property
    def identifier(self) -> str | None:
        """The identifier this token names, if it can name one."""
        return self.text if self.kind in ("word", "name") else None


class SqlSyntaxError(ValueError):
    """SQL this tokenizer or parser does not understand."""


_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")
_OPS = ("||", "->>", "->", "<<", ">>", "<=", ">=", "==", "!=", "<>")
_CLOSE = {'"': '"', "`": "`", "[": "]"}


def tokenize(sql: str) -> list[Token]:
    """The tokens of ``sql``, without whitespace and comments."""
    tokens: list[Token] = []
    i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2  # SQLite lets a comment run to the end
        elif ch in "'\"`[" or (ch in "xX" and sql.startswith("'", i + 1)):
            blob = ch in "xX"
            quote = "'" if blob else ch
            start = i
            i += 2 if blob else 1
            close = _CLOSE.get(quote, "'")
            parts: list[str] = []
            while True:
                end = sql.find(close, i)
                if end < 0:
                    raise SqlSyntaxError(f"unterminated {quote}..{close} at offset {start}")
                parts.append(sql[i:end])
                i = end + 1
                if close != "]" and sql.startswith(close, i):  # doubled: the character itself
                    parts.append(close)
                    i += 1
                    continue
                break
            text = "".join(parts)
            kind = "blob" if blob else "string" if quote == "'" else "name"
            tokens.append(Token(kind, text, start, i))
        elif ch.isdigit() or (ch == "." and i + 1 < n and sql[i + 1].isdigit()):
            found = _NUMBER.match(sql, i)
            assert found is not None
            tokens.append(Token("number", found.group(), i, found.end()))
            i = found.end()
        elif ch in "?:@$" and (ch == "?" or (i + 1 < n and (sql[i + 1].isalnum() or sql[i + 1] == "_"))):
            found = re.compile(r".[A-Za-z0-9_]*").match(sql, i)
            assert found is not None
            tokens.append(Token("param", found.group(), i, found.end()))
            i = found.end()
        else:
            found = _WORD.match(sql, i)
            if found:
                tokens.append(Token("word", found.group(), i, found.end()))
                i = found.end()
                continue
            op = next((o for o in _OPS if sql.startswith(o, i)), ch)
            tokens.append(Token("op", op, i, i + len(op)))
            i += len(op)
    return tokens


def group_end(tokens: list[Token], open_at: int) -> int:
    """The index of the ``)`` closing the ``(`` at ``open_at``."""
    depth = 0
    for index in range(open_at, len(tokens)):
        token = tokens[index]
        if token.kind == "op" and token.text == "(":
            depth += 1
        elif token.kind == "op" and token.text == ")":
            depth -= 1
            if depth == 0:
                return index
    raise SqlSyntaxError("unbalanced parentheses")


def split_top(tokens: list[Token], separator: str = ",") -> list[list[Token]]:
    """``tokens`` split at the separators outside any parentheses."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "op" and token.text == "(":
            depth += 1
        elif token.kind == "op" and token.text == ")":
            depth -= 1
        if depth == 0 and token.kind == "op" and token.text == separator:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


@dataclass(frozen=True)
class Expression:
    tokens: tuple[Token, ...]
    text: str  # as written in SQLite


@dataclass(frozen=True)
class CheckSyntax:
    name: str | None  # CONSTRAINT name, if given
    column: str | None  # a column constraint's column; None for a table constraint
    expression: Expression


@dataclass
class ColumnSyntax:
    name: str
    collation: str | None = None  # upper-cased: NOCASE, RTRIM, BINARY, ...
    generated: Expression | None = None
    stored: bool = False


@dataclass
class TableSyntax:
    columns: dict[str, ColumnSyntax] = field(default_factory=dict)  # by lower-cased name
    checks: list[CheckSyntax] = field(default_factory=list)

    def column(self, name: str) -> ColumnSyntax | None:
        return self.columns.get(name.lower())


_TABLE_CONSTRAINTS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")


def _expression(sql: str, tokens: list[Token], open_at: int) -> tuple[Expression, int]:
    close = group_end(tokens, open_at)
    inner = tokens[open_at + 1 : close]
    text = sql[inner[0].start : inner[-1].end] if inner else ""
    return Expression(tuple(inner), text), close


def parse_create_table(sql: str) -> TableSyntax:
    """Columns' collations and generated expressions, and the CHECK constraints,
    of a ``CREATE TABLE`` statement; SqlSyntaxError when it is not one."""
    tokens = tokenize(sql)
    opening = next((i for i, t in enumerate(tokens) if t.kind == "op" and t.text == "("), None)
    if len(tokens) < 3 or not tokens[0].is_word("CREATE") or opening is None:
        raise SqlSyntaxError("not a CREATE TABLE (...) statement")
    table = TableSyntax()
    for item in split_top(tokens[opening + 1 : group_end(tokens, opening)]):
        if not item:
            continue
        first = item[0]
        if first.is_word(*_TABLE_CONSTRAINTS):  # reserved words: never a bare column name
            _table_constraint(sql, item, table)
            continue
        name = first.identifier
        if name is None:
            raise SqlSyntaxError(f"unexpected {first.text!r} in the column list")
        column = ColumnSyntax(name)
        table.columns[name.lower()] = column
        _column_constraints(sql, item, column, table)
    return table


def _table_constraint(sql: str, item: list[Token], table: TableSyntax) -> None:
    name = None
    index = 0
    if item[0].is_word("CONSTRAINT") and len(item) > 1:
        name = item[1].identifier
        index = 2
    if index < len(item) and item[index].is_word("CHECK") and index + 1 < len(item):
        expression, _close = _expression(sql, item, index + 1)
        table.checks.append(CheckSyntax(name, None, expression))


def _column_constraints(sql: str, item: list[Token], column: ColumnSyntax, table: TableSyntax) -> None:
    index = 1
    name: str | None = None
    while index < len(item):
        token = item[index]
        if token.kind == "op" and token.text == "(":  # a type's (n, m) or a DEFAULT (expr)
            index = group_end(item, index) + 1
            continue
        if token.is_word("CONSTRAINT") and index + 1 < len(item):
            name = item[index + 1].identifier
            index += 2
            continue
        if token.is_word("COLLATE") and index + 1 < len(item):
            column.collation = (item[index + 1].identifier or item[index + 1].text).upper()
            index += 2
            continue
        if token.is_word("CHECK") and index + 1 < len(item):
            expression, close = _expression(sql, item, index + 1)
            table.checks.append(CheckSyntax(name, column.name, expression))
            name = None
            index = close + 1
            continue
        if token.is_word("AS") and index + 1 < len(item) and item[index + 1].text == "(":
            expression, close = _expression(sql, item, index + 1)
            column.generated = expression
            after = item[close + 1] if close + 1 < len(item) else None
            column.stored = bool(after is not None and after.is_word("STORED"))
            index = close + 1
            continue
        if token.is_word("DEFAULT") and index + 1 < len(item):
            index += 1
            if item[index].kind == "op" and item[index].text in "+-":
                index += 1
            if index < len(item) and item[index].kind == "op" and item[index].text == "(":
                index = group_end(item, index)
            index += 1
            continue
        index += 1


def view_select(sql: str) -> tuple[list[Token], list[str] | None]:
    """The tokens of a CREATE VIEW's SELECT, and its column list if it has one."""
    tokens = tokenize(sql)
    at = next((i for i, t in enumerate(tokens) if t.is_word("AS")), None)
    if not tokens or not tokens[0].is_word("CREATE") or at is None:
        raise SqlSyntaxError("not a CREATE VIEW ... AS statement")
    head = tokens[:at]
    names: list[str] | None = None
    opening = next((i for i, t in enumerate(head) if t.kind == "op" and t.text == "("), None)
    if opening is not None:
        names = [part[0].identifier or part[0].text for part in split_top(head[opening + 1 : -1]) if part]
    body = tokens[at + 1 :]
    while body and body[-1].kind == "op" and body[-1].text == ";":
        body = body[:-1]
    return body, names
