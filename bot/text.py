"""Numbers and values as people read them, for every adapter (Slack blocks, the terminal).

One formatter per kind of value, so a figure reads the same in a Slack table, a terminal
table and a sentence: no raw fractions, Python literals or dicts anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from agent.domain import Table, format_quantity, format_segment

# Names of fractions people read as percentages (a value above 1.5 is never one).
_PERCENT_HINTS = (
    "rate", "share", "pct", "percent", "explains", "relative", "ratio", "wape", "bias",
    "probability",
)  # fmt: skip


def fmt_number(value: Any, *, percent: bool = False) -> str:
    """A number as a person reads it: 12,345 · 1.2M · 3.1% · 0.42."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value != value:
        return "–"
    if percent:
        return f"{value * 100:.1f}%"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if isinstance(value, int) or magnitude >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"  # a count reads 771, not 771.00
    if magnitude >= 1:
        return f"{value:,.2f}"
    return f"{value:.3f}" if magnitude >= 0.001 else "≈0"  # never 2.644e-06


def fmt_fact(name: str, value: Any) -> str:
    """A fact value; names that say 'rate'/'share' and fractions show as percent."""
    lowered = name.lower()
    is_fraction = isinstance(value, float) and abs(value) <= 1.5
    return fmt_number(value, percent=is_fraction and any(h in lowered for h in _PERCENT_HINTS))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Columns of a finding's table that hold its own metric, and signed moves of it. A rate's
# are fractions a reader would misread (0.034), so they read like the metric (3.40%, -1.10
# pp); other units already read well as plain numbers, like the metric's own column.
_METRIC_COLUMNS = frozenset({"baseline", "current"})
_METRIC_MOVE_COLUMNS = frozenset({"rate_effect", "mix_effect", "rate effect", "mix effect"})


def row_texts(table: Table, row: Sequence[Any], value_format: str = "") -> list[str]:
    """A row's cells as people read them, each in its column's declared format."""
    return [
        cell_text(c, v, value_format, table.format_of(i))
        for i, (c, v) in enumerate(zip(table.columns, row, strict=False))
    ]


def cell_text(column: str, value: Any, value_format: str = "", column_format: str = "") -> str:
    """A table cell as a person reads it: no Python literals, dicts or raw fractions.

    `value_format` is the finding's metric format (semantic.yml), for its metric's columns;
    `column_format` the table's own format for this column (domain.Table.formats)."""
    if column_format and is_number(value):
        number = float(value)
        if column_format == "share":
            return f"{number * 100:.1f}%"
        if column_format == "change":
            return f"{number * 100:+.1f}%"
        if column_format == "pp":
            return f"{number * 100:+.2f} pp"
        return format_quantity(number, column_format)
    if value_format == "percent" and is_number(value):
        if column.lower() in _METRIC_COLUMNS:
            return quantity(float(value), value_format)
        if column.lower() in _METRIC_MOVE_COLUMNS:
            return quantity_change(float(value), value_format)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return format_segment(value)
    if is_number(value):
        return fmt_fact(column, value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def quantity(value: float | None, fmt: str) -> str:
    """A finding's value in its metric's format, or the generic number format."""
    return format_quantity(value, fmt) if fmt else fmt_number(value)


def quantity_change(value: float | None, fmt: str) -> str:
    """A signed change: percentage points for a rate, the metric's unit otherwise."""
    if value is None:
        return "–"
    sign = "+" if value >= 0 else "-"
    if fmt == "percent":
        return f"{sign}{abs(value) * 100:.2f} pp"
    return sign + quantity(abs(value), fmt)


def humanise(name: str) -> str:
    """A column name as a header: 'conversion_rate' → 'Conversion rate'."""
    return name.replace("_", " ").strip().capitalize()
