"""SQLite expressions and plain SELECTs -> PostgreSQL SQL that means the same,
or Untranslatable with the reason.

Only what has the same meaning in both is translated; the rest is refused:
the caller reports it as skipped. What differs and how it is handled:

- every operator is parenthesised (SQLite binds ``||`` tighter than ``*``);
- ``/`` and ``%`` by zero give NULL in SQLite, an error in PostgreSQL:
  the divisor becomes ``NULLIF(x, 0)``; integer division truncates in both;
  integers are computed as bigint (SQLite's are 64-bit);
- ``||`` only of text and integers (SQLite renders reals as ``3.0``,
  PostgreSQL as ``3``; booleans, numerics and dates differently again);
- arithmetic only of integers and double precision (numeric is exact in
  PostgreSQL, REAL in SQLite);
- comparisons only of the same kind; text compares bytewise in SQLite
  (BINARY), so an ordering comparison gets ``COLLATE "C"``; a column declared
  COLLATE NOCASE/RTRIM is refused in comparisons (PostgreSQL would compare it
  case-sensitively);
- ``lower``/``upper`` change ASCII letters only in SQLite: ``translate()``;
- a comparison's value is 0/1 in SQLite: ``::integer`` where it is a value;
- ``a IS b`` is ``IS NOT DISTINCT FROM``; ORDER BY puts NULLs first (SQLite);
- LIKE/GLOB (case rules, escapes), CAST, date functions, subqueries, round()
  (halves round differently), substr() (negative starts), scalar min/max (NULLs)
  and everything unknown are refused.
Whatever is translated is still checked against SQLite's own values by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .identifiers import quote_ident, quote_literal
from .pg_types import translation_kind
from .sqlite_sql import Token, group_end


class Untranslatable(ValueError):
    """SQL whose meaning PostgreSQL would not keep; the message says why."""


@dataclass(frozen=True)
class Typed:
    sql: str
    kind: str  # int | float | text | bool (a comparison's value) | null | other
    nocase: bool = False  # compares with a collation other than BINARY in SQLite


@dataclass(frozen=True)
class ColumnInfo:
    name: str  # as PostgreSQL spells it
    kind: str
    collation: str | None = None  # SQLite's, upper-cased; None = BINARY


def kind_of(pg_type: str) -> str:
    """The kind of a PostgreSQL column type, for the rules above."""
    return translation_kind(pg_type)


Resolver = Callable[[str | None, str], Typed]

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RESERVED = {
    "AND", "OR", "NOT", "NULL", "IS", "IN", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "LIKE",
    "GLOB", "REGEXP", "MATCH", "ESCAPE", "COLLATE", "ISNULL", "NOTNULL", "SELECT", "FROM", "WHERE",
    "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "AS", "ON", "USING", "JOIN", "LEFT", "INNER", "CROSS",
    "NATURAL", "OUTER", "RIGHT", "FULL", "UNION", "EXCEPT", "INTERSECT", "EXISTS", "CAST", "DISTINCT",
    "ALL", "BY", "ASC", "DESC", "NULLS", "WINDOW", "VALUES", "WITH",
}  # fmt: skip
_NUMERIC = ("int", "float", "null")


def _unify(kinds: list[str], what: str) -> str:
    found = {k for k in kinds if k != "null"}
    if not found:
        return "null"
    if len(found) > 1:
        raise Untranslatable(f"{what} mixes {', '.join(sorted(found))} values (typed alike in SQLite only)")
    return found.pop()


def as_value(value: Typed) -> Typed:
    """A comparison as the 0/1 SQLite gives."""
    if value.kind == "bool":
        return Typed(f"({value.sql})::integer", "int")
    return value


def as_condition(value: Typed) -> str:
    if value.kind in ("bool", "null"):
        return value.sql
    if value.kind in ("int", "float"):
        return f"({value.sql} <> 0)"
    raise Untranslatable(f"a {value.kind} value used as a condition (SQLite converts it to a number)")


class Parser:
    """Recursive descent over SQLite's expression grammar (lang_expr.html's precedence)."""

    def __init__(self, tokens: list[Token] | tuple[Token, ...], resolve: Resolver, aggregates: bool = False):
        self.tokens = list(tokens)
        self.pos = 0
        self.resolve = resolve
        self.aggregates = aggregates

    # -- tokens -------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token | None:
        at = self.pos + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def word(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.is_word(*words)

    def op(self, *ops: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == "op" and token.text in ops

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Untranslatable("the expression ends too early")
        self.pos += 1
        return token

    def expect_op(self, text: str) -> None:
        if not self.op(text):
            found = self.peek()
            raise Untranslatable(f"expected {text!r}, found {found.text if found else 'the end'!r}")
        self.pos += 1

    def expect_word(self, word: str) -> None:
        if not self.word(word):
            found = self.peek()
            raise Untranslatable(f"expected {word}, found {found.text if found else 'the end'!r}")
        self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    # -- the grammar ----------------------------------------------------------
    def expression(self) -> Typed:
        left = self.conjunction()
        while self.word("OR"):
            self.pos += 1
            right = self.conjunction()
            left = Typed(f"({as_condition(left)} OR {as_condition(right)})", "bool")
        return left

    def conjunction(self) -> Typed:
        left = self.negation()
        while self.word("AND"):
            self.pos += 1
            right = self.negation()
            left = Typed(f"({as_condition(left)} AND {as_condition(right)})", "bool")
        return left

    def negation(self) -> Typed:
        if self.word("NOT"):
            self.pos += 1
            return Typed(f"(NOT {as_condition(self.negation())})", "bool")
        return self.equality()

    def equality(self) -> Typed:
        left = self.relation()
        while True:
            negated = self.word("NOT") and self.word(
                "IN", "BETWEEN", "LIKE", "GLOB", "REGEXP", "MATCH", ahead=1
            )
            if negated:
                self.pos += 1
            if self.op("=", "==", "!=", "<>"):
                symbol = self.take().text
                left = compare(left, {"==": "=", "!=": "<>"}.get(symbol, symbol), self.relation())
            elif self.word("IS"):
                self.pos += 1
                is_not = self.word("NOT")
                if is_not:
                    self.pos += 1
                if self.word("DISTINCT"):
                    self.pos += 1
                    self.expect_word("FROM")
                    is_not = not is_not
                right = self.relation()
                if right.kind == "null":
                    left = Typed(f"({left.sql} IS {'NOT ' if is_not else ''}NULL)", "bool")
                else:
                    compare(left, "=", right)  # the kinds must agree
                    how = "IS DISTINCT FROM" if is_not else "IS NOT DISTINCT FROM"
                    left = Typed(f"({left.sql} {how} {right.sql})", "bool")
            elif self.word("ISNULL", "NOTNULL") or (self.word("NOT") and self.word("NULL", ahead=1)):
                is_null = self.take().text.upper() == "ISNULL"
                if not is_null and self.word("NULL"):
                    self.pos += 1
                left = Typed(f"({left.sql} IS {'' if is_null else 'NOT '}NULL)", "bool")
            elif self.word("IN"):
                self.pos += 1
                left = self._in(left, negated)
            elif self.word("BETWEEN"):
                self.pos += 1
                low = self.relation()
                self.expect_word("AND")
                high = self.relation()
                both = f"({compare(left, '>=', low).sql} AND {compare(left, '<=', high).sql})"
                left = Typed(f"(NOT {both})" if negated else both, "bool")
            elif self.word("LIKE", "GLOB", "REGEXP", "MATCH"):
                raise Untranslatable(
                    f"{self.take().text.upper()} matches differently in PostgreSQL (case, escapes)"
                )
            else:
                if negated:
                    self.pos -= 1
                return left

    def _in(self, left: Typed, negated: bool) -> Typed:
        if not self.op("("):
            raise Untranslatable("IN over a table name is not translated")
        if self.word("SELECT", "WITH", "VALUES", ahead=1):
            raise Untranslatable("subqueries are not translated")
        self.pos += 1
        items: list[str] = []
        while True:
            item = self.expression()
            compare(left, "=", item)
            items.append(as_value(item).sql)
            if self.op(","):
                self.pos += 1
                continue
            break
        self.expect_op(")")
        return Typed(f"({left.sql} {'NOT ' if negated else ''}IN ({', '.join(items)}))", "bool")

    def relation(self) -> Typed:
        left = self.bitwise()
        while self.op("<", "<=", ">", ">="):
            symbol = self.take().text
            left = compare(left, symbol, self.bitwise())
        return left

    def bitwise(self) -> Typed:
        left = self.additive()
        if self.op("&", "|", "<<", ">>") or self.word("ESCAPE"):
            raise Untranslatable(f"operator {self.take().text} is not translated")
        return left

    def additive(self) -> Typed:
        left = self.multiplicative()
        while self.op("+", "-"):
            symbol = self.take().text
            left = arithmetic(left, symbol, self.multiplicative())
        return left

    def multiplicative(self) -> Typed:
        left = self.concatenation()
        while self.op("*", "/", "%"):
            symbol = self.take().text
            left = arithmetic(left, symbol, self.concatenation())
        return left

    def concatenation(self) -> Typed:
        left = self.unary()
        while self.op("||", "->", "->>"):
            symbol = self.take().text
            if symbol != "||":
                raise Untranslatable(f"JSON operator {symbol} is not translated")
            left = concatenate(left, self.unary())
        return left

    def unary(self) -> Typed:
        if self.op("-", "+"):
            symbol = self.take().text
            value = as_value(self.unary())
            if value.kind not in _NUMERIC:
                raise Untranslatable(f"sign of a {value.kind} value")
            if symbol == "+":
                return value
            if value.kind == "float":  # SQLite negates a REAL column's 0.0 to 0.0, not -0.0
                return Typed(f"(0.0::double precision - {value.sql})", "float")
            return Typed(f"(- {value.sql})", value.kind)
        if self.op("~"):
            raise Untranslatable("operator ~ is not translated")
        value = self.primary()
        while self.word("COLLATE"):
            self.pos += 1
            name = (self.take().identifier or "").upper()
            if name != "BINARY":
                raise Untranslatable(f"COLLATE {name} has no PostgreSQL equivalent here")
            value = Typed(f'({value.sql} COLLATE "C")', value.kind)
        return value

    def primary(self) -> Typed:
        token = self.take()
        if token.kind == "number":
            return _number(token.text)
        if token.kind == "string":
            return Typed(quote_literal(token.text), "text")
        if token.kind == "blob":
            raise Untranslatable("blob literals are not translated")
        if token.kind == "param":
            raise Untranslatable("parameters are not translated")
        if token.kind == "op" and token.text == "(":
            if self.word("SELECT", "WITH", "VALUES"):
                raise Untranslatable("subqueries are not translated")
            inner = self.expression()
            if self.op(","):
                raise Untranslatable("row values are not translated")
            self.expect_op(")")
            return inner
        if token.kind == "op" and token.text == "*":
            raise Untranslatable("unexpected *")
        if token.is_word("NULL"):
            return Typed("NULL", "null")
        if token.is_word("TRUE", "FALSE"):
            return Typed("1" if token.is_word("TRUE") else "0", "int")
        if token.is_word("CASE"):
            return self._case()
        if token.is_word("CAST"):
            raise Untranslatable("CAST converts differently in SQLite (text to number takes a prefix)")
        if token.is_word("EXISTS", "SELECT"):
            raise Untranslatable("subqueries are not translated")
        if token.is_word("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "RAISE"):
            raise Untranslatable(f"{token.text.upper()} is not translated")
        name = token.identifier
        if name is None or (token.kind == "word" and token.text.upper() in _RESERVED):
            raise Untranslatable(f"unexpected {token.text!r}")
        if token.kind == "word" and self.op("("):
            return self._function(name.lower())
        if self.op(".") and self.peek(1) is not None and self.peek(1).identifier is not None:  # type: ignore[union-attr]
            self.pos += 1
            column = self.take()
            if self.op("."):
                raise Untranslatable("schema-qualified names are not translated")
            return self.resolve(name, column.identifier or "")
        return self.resolve(None, name)

    def _case(self) -> Typed:
        base = None if self.word("WHEN") else self.expression()
        parts = ["CASE"]
        results: list[Typed] = []
        if base is not None:
            parts.append(as_value(base).sql)
        while self.word("WHEN"):
            self.pos += 1
            when = self.expression()
            if base is not None:
                compare(base, "=", when)
                parts.append(f"WHEN {as_value(when).sql}")
            else:
                parts.append(f"WHEN {as_condition(when)}")
            self.expect_word("THEN")
            result = as_value(self.expression())
            results.append(result)
            parts.append(f"THEN {result.sql}")
        if len(parts) < 3:
            raise Untranslatable("CASE without WHEN")
        if self.word("ELSE"):
            self.pos += 1
            result = as_value(self.expression())
            results.append(result)
            parts.append(f"ELSE {result.sql}")
        self.expect_word("END")
        return Typed("(" + " ".join(parts) + " END)", _unify([r.kind for r in results], "CASE"))

    def _arguments(self) -> tuple[list[Typed], bool, bool]:
        """(arguments, DISTINCT, star) of a call; the '(' is next."""
        self.expect_op("(")
        distinct = self.word("DISTINCT")
        if distinct:
            self.pos += 1
        if self.op("*") and self.op(")", ahead=1):
            self.pos += 2
            return [], distinct, True
        args: list[Typed] = []
        if not self.op(")"):
            while True:
                args.append(self.expression())
                if not self.op(","):
                    break
                self.pos += 1
        self.expect_op(")")
        if self.word("FILTER", "OVER"):
            raise Untranslatable("window functions and FILTER are not translated")
        return args, distinct, False

    def _function(self, name: str) -> Typed:
        args, distinct, star = self._arguments()
        if name in AGGREGATES:
            if not self.aggregates:
                raise Untranslatable(f"aggregate {name}() outside a SELECT")
            return AGGREGATES[name](args, distinct, star)
        if distinct or star:
            raise Untranslatable(f"{name}() is not an aggregate")
        rule = FUNCTIONS.get(name)
        if rule is None:
            raise Untranslatable(f"function {name}() is not translated")
        return rule([as_value(a) for a in args])


def _number(text: str) -> Typed:
    if text.lower().startswith("0x"):
        value = int(text, 16)
        if value >= 2**63:
            value -= 2**64  # SQLite reads hex as a 64-bit two's complement
        return Typed(str(value), "int")
    if re.fullmatch(r"\d+", text):
        if int(text) >= 2**63:
            raise Untranslatable(f"{text} is a REAL in SQLite")
        return Typed(text, "int")
    return Typed(f"{text}::double precision", "float")


def compare(left: Typed, symbol: str, right: Typed) -> Typed:
    left, right = as_value(left), as_value(right)
    if left.nocase or right.nocase:
        raise Untranslatable(
            "compares a column declared COLLATE NOCASE/RTRIM (PostgreSQL compares it case-sensitively)"
        )
    kinds = {left.kind, right.kind} - {"null"}
    if kinds <= {"int", "float"} or kinds in ({"text"},):
        pass
    else:
        raise Untranslatable(
            f"compares {left.kind} with {right.kind} (SQLite's type affinity rules, not PostgreSQL's)"
        )
    left_sql = left.sql
    if kinds == {"text"} and symbol not in ("=", "<>"):
        left_sql = f'({left.sql} COLLATE "C")'  # SQLite's BINARY: byte order
    return Typed(f"({left_sql} {symbol} {right.sql})", "bool")


def arithmetic(left: Typed, symbol: str, right: Typed) -> Typed:
    left, right = as_value(left), as_value(right)
    for value in (left, right):
        if value.kind not in _NUMERIC:
            raise Untranslatable(f"arithmetic on a {value.kind} value")
    kind = "float" if "float" in (left.kind, right.kind) else "int"
    if symbol == "%" and kind != "int":
        raise Untranslatable("% of a REAL value")

    def operand(value: Typed) -> str:
        return f"CAST({value.sql} AS bigint)" if value.kind == "int" else value.sql

    divisor = operand(right)
    if symbol in ("/", "%"):
        divisor = f"NULLIF({divisor}, 0)"  # SQLite: NULL; PostgreSQL: an error
    return Typed(f"({operand(left)} {symbol} {divisor})", kind)


def concatenate(left: Typed, right: Typed) -> Typed:
    parts = []
    for value in (as_value(left), as_value(right)):
        if value.kind not in ("text", "int", "null"):
            raise Untranslatable(f"|| of a {value.kind} value (rendered differently as text)")
        parts.append(value.sql if value.kind == "text" else f"CAST({value.sql} AS text)")
    return Typed(f"({parts[0]} || {parts[1]})", "text")


def _text_function(pg_name: str, counts: tuple[int, ...]) -> Callable[[list[Typed]], Typed]:
    def rule(args: list[Typed]) -> Typed:
        if len(args) not in counts or any(a.kind not in ("text", "null") for a in args):
            raise Untranslatable(f"{pg_name}() of {', '.join(a.kind for a in args) or 'nothing'}")
        return Typed(f"{pg_name}({', '.join(a.sql for a in args)})", "text", args[0].nocase)

    return rule


def _case_change(to_lower: bool) -> Callable[[list[Typed]], Typed]:
    source, target = (_UPPER, _UPPER.lower()) if to_lower else (_UPPER.lower(), _UPPER)

    def rule(args: list[Typed]) -> Typed:
        if len(args) != 1 or args[0].kind not in ("text", "null"):
            raise Untranslatable("lower()/upper() of a value that is not text")
        # SQLite changes ASCII letters only; PostgreSQL's lower() follows the locale.
        return Typed(f"translate({args[0].sql}, '{source}', '{target}')", "text", args[0].nocase)

    return rule


def _length(args: list[Typed]) -> Typed:
    if len(args) != 1 or args[0].kind not in ("text", "null"):
        raise Untranslatable("length() of a value that is not text (SQLite counts its rendering or bytes)")
    return Typed(f"length({args[0].sql})", "int")


def _abs(args: list[Typed]) -> Typed:
    if len(args) != 1 or args[0].kind not in _NUMERIC:
        raise Untranslatable("abs() of a value that is not a number")
    return Typed(f"abs({args[0].sql})", args[0].kind)


def _coalesce(args: list[Typed]) -> Typed:
    if len(args) < 2:
        raise Untranslatable("coalesce()/ifnull() of fewer than two values")
    kind = _unify([a.kind for a in args], "coalesce()")
    return Typed(f"coalesce({', '.join(a.sql for a in args)})", kind, any(a.nocase for a in args))


def _nullif(args: list[Typed]) -> Typed:
    if len(args) != 2:
        raise Untranslatable("nullif() of other than two values")
    compare(args[0], "=", args[1])
    return Typed(f"nullif({args[0].sql}, {args[1].sql})", args[0].kind, args[0].nocase)


FUNCTIONS: dict[str, Callable[[list[Typed]], Typed]] = {
    "lower": _case_change(True),
    "upper": _case_change(False),
    "length": _length,
    "abs": _abs,
    "coalesce": _coalesce,
    "ifnull": _coalesce,
    "nullif": _nullif,
    "trim": _text_function("btrim", (1, 2)),
    "ltrim": _text_function("ltrim", (1, 2)),
    "rtrim": _text_function("rtrim", (1, 2)),
    "replace": _text_function("replace", (3,)),
}


def _count(args: list[Typed], distinct: bool, star: bool) -> Typed:
    if star:
        return Typed("count(*)", "int")
    if len(args) != 1 or (distinct and args[0].nocase):
        raise Untranslatable("count() of other than one value, or DISTINCT of a NOCASE column")
    return Typed(f"count({'DISTINCT ' if distinct else ''}{as_value(args[0]).sql})", "int")


def _sum(args: list[Typed], distinct: bool, star: bool) -> Typed:
    if star or distinct or len(args) != 1 or as_value(args[0]).kind not in ("int", "null"):
        raise Untranslatable("sum() only of integers (a REAL sum depends on the order of addition)")
    return Typed(f"sum({as_value(args[0]).sql})", "int")


def _extreme(name: str) -> Callable[[list[Typed], bool, bool], Typed]:
    def rule(args: list[Typed], distinct: bool, star: bool) -> Typed:
        if star or len(args) != 1:
            raise Untranslatable(
                f"{name}() of other than one value (scalar {name}() treats NULLs differently)"
            )
        value = as_value(args[0])
        if value.nocase or value.kind not in ("int", "float", "text"):
            raise Untranslatable(f"{name}() of a {value.kind} value or of a NOCASE column")
        inner = f'({value.sql} COLLATE "C")' if value.kind == "text" else value.sql
        return Typed(f"{name}({inner})", value.kind)

    return rule


AGGREGATES: dict[str, Callable[[list[Typed], bool, bool], Typed]] = {
    "count": _count,
    "sum": _sum,
    "min": _extreme("min"),
    "max": _extreme("max"),
}


def column_resolver(columns: dict[str, ColumnInfo], table: str) -> Resolver:
    """Column references of one table (a generated column's or a CHECK's expression)."""

    def resolve(qualifier: str | None, name: str) -> Typed:
        if qualifier is not None and qualifier.lower() != table.lower():
            raise Untranslatable(f"refers to {qualifier}.{name}")
        found = columns.get(name.lower())
        if found is None:
            raise Untranslatable(f"refers to {name}, which is not a migrated column")
        return Typed(quote_ident(found.name), found.kind, found.collation not in (None, "BINARY"))

    return resolve


def translate_expression(tokens: list[Token] | tuple[Token, ...], resolve: Resolver) -> Typed:
    parser = Parser(tokens, resolve)
    value = parser.expression()
    if not parser.at_end():
        raise Untranslatable(f"unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return value


# -- SELECT (views) -------------------------------------------------------------


@dataclass
class Relation:
    """A table or view a SELECT may read: its PostgreSQL name and columns."""

    sql: str  # schema-qualified, quoted
    columns: list[ColumnInfo]

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


@dataclass
class _Scope:
    entries: list[tuple[str, Relation]] = field(default_factory=list)  # (alias, relation)
    outputs: dict[str, Typed] = field(default_factory=dict)  # the SELECT's own aliases

    def resolve(self, qualifier: str | None, name: str) -> Typed:
        if qualifier is not None:
            for alias, relation in self.entries:
                if alias.lower() == qualifier.lower():
                    column = relation.column(name)
                    if column is None:
                        raise Untranslatable(f"{qualifier} has no column {name}")
                    return Typed(
                        f"{quote_ident(alias)}.{quote_ident(column.name)}",
                        column.kind,
                        column.collation not in (None, "BINARY"),
                    )
            raise Untranslatable(f"refers to {qualifier}.{name}, which is not a migrated table")
        found = [(alias, c) for alias, r in self.entries if (c := r.column(name)) is not None]
        if len(found) == 1:
            alias, column = found[0]
            return Typed(
                f"{quote_ident(alias)}.{quote_ident(column.name)}",
                column.kind,
                column.collation not in (None, "BINARY"),
            )
        if found:  # a USING column: PostgreSQL resolves it too
            kind = _unify([c.kind for _a, c in found], name)
            return Typed(quote_ident(found[0][1].name), kind, any(c.collation for _a, c in found))
        if name.lower() in self.outputs:
            return self.outputs[name.lower()]
        raise Untranslatable(f"refers to {name}, which is no column of the tables it reads")


_CLAUSES = ("FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT")
_JOINS = ("JOIN", "LEFT", "INNER", "CROSS", "NATURAL", "RIGHT", "FULL", "OUTER")


def _clauses(tokens: list[Token]) -> dict[str, list[Token]]:
    """The SELECT's clauses (at parenthesis depth 0), by their first word."""
    if not tokens or not tokens[0].is_word("SELECT"):
        raise Untranslatable("the view is not a plain SELECT (WITH, VALUES or a compound)")
    parts: dict[str, list[Token]] = {"SELECT": []}
    current = "SELECT"
    index = 1
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "op" and token.text == "(":
            close = group_end(tokens, index)
            parts[current].extend(tokens[index : close + 1])
            index = close + 1
            continue
        if token.is_word("UNION", "EXCEPT", "INTERSECT", "WINDOW"):
            raise Untranslatable(f"{token.text.upper()} is not translated")
        if token.is_word(*_CLAUSES) and token.text.upper() not in parts:
            current = token.text.upper()
            parts[current] = []
            index += 1
            if current in ("GROUP", "ORDER"):
                if not (index < len(tokens) and tokens[index].is_word("BY")):
                    raise Untranslatable(f"{current} without BY")
                index += 1
            continue
        parts[current].append(token)
        index += 1
    return parts


def _from(
    tokens: list[Token], relations: dict[str, Relation], refused: dict[str, str]
) -> tuple[_Scope, list[tuple[int, int]]]:
    """The FROM clause's tables and aliases; also where each table name is (to rewrite it)."""
    scope = _Scope()
    spots: list[tuple[int, int]] = []  # (token index, tokens of the name)
    index = 0
    expect_table = True
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "op" and token.text == "(":
            if expect_table:
                raise Untranslatable("a subquery or parenthesised join in FROM is not translated")
            index = group_end(tokens, index) + 1
            continue
        if token.is_word("NATURAL", "RIGHT", "FULL"):
            raise Untranslatable(f"{token.text.upper()} JOIN is not translated")
        if (token.kind == "op" and token.text == ",") or token.is_word("JOIN"):
            expect_table = True
            index += 1
            continue
        if expect_table:
            name = token.identifier
            if name is None:
                raise Untranslatable(f"unexpected {token.text!r} in FROM")
            width = 1
            if index + 2 < len(tokens) and tokens[index + 1].text == "." and tokens[index + 1].kind == "op":
                raise Untranslatable("schema-qualified tables are not translated")
            relation = relations.get(name.lower())
            if relation is None:
                raise Untranslatable(
                    refused.get(name.lower(), f"reads {name}, which is not migrated (or not created)")
                )
            alias = name
            after = index + width
            if after < len(tokens) and tokens[after].is_word("AS"):
                after += 1
            if (
                after < len(tokens)
                and tokens[after].identifier is not None
                and not (tokens[after].kind == "word" and tokens[after].text.upper() in _RESERVED)
            ):
                alias = tokens[after].identifier or name
                after += 1
            if tokens[after - 1].is_word("AS"):
                raise Untranslatable("AS without an alias")
            scope.entries.append((alias, relation))
            spots.append((index, after - index))
            expect_table = False
            index = after
            continue
        index += 1
    if not scope.entries:
        raise Untranslatable("a SELECT without FROM is not translated")
    return scope, spots


def translate_select(
    tokens: list[Token], relations: dict[str, Relation], refused: dict[str, str] | None = None
) -> tuple[str, list[str]]:
    """A view's SELECT in PostgreSQL, and the kinds of its columns.
    ``relations``: the created tables and the views already created, by lower-cased name;
    ``refused``: why a view may not read some other table (by lower-cased name)."""
    parts = _clauses(tokens)
    if "FROM" not in parts:
        raise Untranslatable("a SELECT without FROM is not translated")
    from_tokens = parts["FROM"]
    scope, spots = _from(from_tokens, relations, refused or {})
    out: list[str] = ["SELECT"]
    items = parts["SELECT"]
    distinct = bool(items) and items[0].is_word("DISTINCT")
    if items and items[0].is_word("DISTINCT", "ALL"):
        out.append(items[0].text.upper())
        items = items[1:]
    rendered: list[str] = []
    kinds: list[str] = []
    for item in _split_items(items):
        if len(item) == 1 and item[0].kind == "op" and item[0].text == "*":
            rendered.append("*")
            kinds.extend(c.kind for _a, r in scope.entries for c in r.columns)
            continue
        if len(item) == 3 and item[2].kind == "op" and item[2].text == "*" and item[1].text == ".":
            alias = next(
                (a for a, _r in scope.entries if a.lower() == (item[0].identifier or "").lower()), None
            )
            if alias is None:
                raise Untranslatable(f"{item[0].text}.* names no table of the FROM clause")
            rendered.append(f"{quote_ident(alias)}.*")
            kinds.extend(c.kind for a, r in scope.entries if a == alias for c in r.columns)
            continue
        alias_name = None
        if len(item) >= 3 and item[-2].is_word("AS") and item[-1].identifier is not None:
            alias_name = item[-1].identifier
            item = item[:-2]
        elif len(item) >= 2 and _bare_alias(item[-2], item[-1]):
            alias_name = item[-1].identifier
            item = item[:-1]
        parser = Parser(item, scope.resolve, aggregates=True)
        value = as_value(parser.expression())
        if not parser.at_end():
            raise Untranslatable(f"unexpected {parser.peek().text!r} in the select list")  # type: ignore[union-attr]
        if distinct and value.nocase:
            raise Untranslatable("DISTINCT over a NOCASE column")
        if alias_name is not None:
            scope.outputs[alias_name.lower()] = Typed(quote_ident(alias_name), value.kind, value.nocase)
            rendered.append(f"{value.sql} AS {quote_ident(alias_name)}")
        else:
            rendered.append(value.sql)
        kinds.append(value.kind)
    out.append(", ".join(rendered))
    out.append("FROM " + _rewrite_from(from_tokens, spots, scope))
    if "WHERE" in parts:
        out.append("WHERE " + as_condition(_whole(parts["WHERE"], scope)))
    if "GROUP" in parts:
        groups = [as_value(_whole(g, scope)) for g in _split_items(parts["GROUP"])]
        if any(g.nocase for g in groups):
            raise Untranslatable("GROUP BY a NOCASE column")
        out.append("GROUP BY " + ", ".join(g.sql for g in groups))
    if "HAVING" in parts:
        out.append("HAVING " + as_condition(_whole(parts["HAVING"], scope, aggregates=True)))
    if "ORDER" in parts:
        out.append("ORDER BY " + ", ".join(_order_item(o, scope) for o in _split_items(parts["ORDER"])))
    if "LIMIT" in parts:
        limit = parts["LIMIT"]
        if not all(t.kind == "number" or t.is_word("OFFSET") for t in limit) or any(
            t.kind == "op" for t in limit
        ):
            raise Untranslatable("LIMIT other than LIMIT n [OFFSET m]")
        out.append("LIMIT " + " ".join(t.text.upper() if t.kind == "word" else t.text for t in limit))
    return " ".join(out), kinds


def _bare_alias(before: Token, last: Token) -> bool:
    """``expr alias`` without AS: a name after something that ends an expression."""
    if last.identifier is None or (last.kind == "word" and last.text.upper() in _RESERVED):
        return False
    return before.kind != "op" or before.text == ")"


def _split_items(tokens: list[Token]) -> list[list[Token]]:
    from .sqlite_sql import split_top

    items = split_top(tokens)
    if any(not item for item in items):
        raise Untranslatable("an empty item in a list")
    return items


def _whole(tokens: list[Token], scope: _Scope, aggregates: bool = False) -> Typed:
    parser = Parser(tokens, scope.resolve, aggregates=aggregates)
    value = parser.expression()
    if not parser.at_end():
        raise Untranslatable(f"unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return value


def _order_item(tokens: list[Token], scope: _Scope) -> str:
    direction = "ASC"
    nulls = None
    if len(tokens) >= 2 and tokens[-2].is_word("NULLS") and tokens[-1].is_word("FIRST", "LAST"):
        nulls = tokens[-1].text.upper()
        tokens = tokens[:-2]
    if tokens and tokens[-1].is_word("ASC", "DESC"):
        direction = tokens[-1].text.upper()
        tokens = tokens[:-1]
    value = as_value(_whole(tokens, scope, aggregates=True))
    if value.nocase:
        raise Untranslatable("ORDER BY a NOCASE column")
    if value.kind not in ("int", "float", "text"):
        raise Untranslatable(f"ORDER BY a {value.kind} value")
    sql = f'({value.sql} COLLATE "C")' if value.kind == "text" else value.sql
    # SQLite puts NULLs first in ascending order, PostgreSQL last.
    nulls = nulls or ("FIRST" if direction == "ASC" else "LAST")
    return f"{sql} {direction} NULLS {nulls}"


def _rewrite_from(tokens: list[Token], spots: list[tuple[int, int]], scope: _Scope) -> str:
    """The FROM clause with each table as its PostgreSQL name AS its alias, and the
    ON conditions translated."""
    out: list[str] = []
    index = 0
    spot_at = {start: (width, entry) for (start, width), entry in zip(spots, scope.entries, strict=True)}
    while index < len(tokens):
        if index in spot_at:
            width, (alias, relation) = spot_at[index]
            out.append(f"{relation.sql} AS {quote_ident(alias)}")
            index += width
            continue
        token = tokens[index]
        if token.is_word("ON"):
            end = index + 1
            depth = 0
            while end < len(tokens):
                here = tokens[end]
                if here.kind == "op" and here.text == "(":
                    depth += 1
                elif here.kind == "op" and here.text == ")":
                    depth -= 1
                elif depth == 0 and (here.is_word(*_JOINS) or (here.kind == "op" and here.text == ",")):
                    break
                end += 1
            out.append("ON " + as_condition(_whole(tokens[index + 1 : end], scope)))
            index = end
            continue
        if token.is_word("USING"):
            close = group_end(tokens, index + 1)
            names = [t.identifier for t in tokens[index + 2 : close] if t.identifier is not None]
            out.append("USING (" + ", ".join(quote_ident(n) for n in names) + ")")
            index = close + 1
            continue
        if token.kind == "word" and token.text.upper() in _JOINS:
            out.append(token.text.upper())
        elif token.kind == "op" and token.text == ",":
            out.append(",")
        else:
            raise Untranslatable(f"unexpected {token.text!r} in FROM")
        index += 1
    return " ".join(out)
