"""Named parameters, in one place: DuckDB binds `$name`, SQLAlchemy's text() binds `:name`.

The compiler renders placeholders natively for its target (`render_placeholders`), and both
warehouses accept either style in hand-written SQL (`convert_placeholders`), so a query
written for one runs on the other.
"""

from __future__ import annotations

import re
from typing import Literal

from sqlglot import exp

Style = Literal["dollar", "colon"]

# SQLAlchemy engine dialect names that differ from sqlglot's.
_SQLGLOT_NAMES = {"postgresql": "postgres", "mssql": "tsql", "awsathena": "athena"}

# String literals, quoted identifiers, comments and '::' casts are skipped; what remains of
# the form $name or :name is a named placeholder.
_TOKEN = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|::|(?P<mark>[$:])(?P<name>[A-Za-z_]\w*)""",
    re.DOTALL,
)


def sqlglot_dialect(name: str) -> str:
    """The sqlglot dialect for an engine or dialect name ('postgresql' -> 'postgres')."""
    lowered = name.lower()
    return _SQLGLOT_NAMES.get(lowered, lowered)


def placeholder_style(dialect: str) -> Style:
    """DuckDB's own driver binds $name; everything else goes through SQLAlchemy text()."""
    return "dollar" if sqlglot_dialect(dialect) == "duckdb" else "colon"


def render_placeholders(tree: exp.Expr, dialect: str) -> exp.Expr:
    """Rewrite sqlglot placeholders so generated SQL binds by name in `dialect`."""
    mark = "$" if placeholder_style(dialect) == "dollar" else ":"
    for node in list(tree.find_all(exp.Placeholder, exp.Parameter)):
        name = node.name
        if name:
            node.replace(exp.Var(this=f"{mark}{name}"))
    return tree


def convert_placeholders(sql: str, style: Style) -> str:
    """Turn every `$name`/`:name` placeholder in `sql` into the given style."""
    mark = "$" if style == "dollar" else ":"

    def swap(match: re.Match[str]) -> str:
        if match.group("mark") is None:
            return match.group(0)
        return mark + match.group("name")

    return _TOKEN.sub(swap, sql)
