"""Findings rendered for a terminal (rich). The same content the Slack blocks show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from agent.domain import Finding, Goal, format_segment
from bot.text import cell_text, humanise, quantity, quantity_change

MAX_ROWS = 15
MAX_COLUMNS = 7
MAX_TEXT = 36


def goal_line(goal: Goal) -> str:
    """How the question was understood, in words ("explain · conversion rate · in organic
    traffic · …"), as Slack's context line says it."""
    parts = [goal.intent.value.replace("_", " ")]
    if goal.metric:
        # The goal carries keys, not semantic.yml labels; without the layer, the key with its
        # underscores gone is the closest readable name (as Slack's context line says it).
        parts.append(goal.metric.replace("_", " "))
    if goal.filters:
        parts.append("in " + format_segment(goal.filters, style="words"))
    if goal.compare:
        parts.append(", ".join(f"{a} vs {b}" for _, (a, b) in sorted(goal.compare.items())))
    if goal.group_by:
        parts.append("by " + ", ".join(d.replace("_", " ") for d in goal.group_by))
    if goal.window:
        parts.append(goal.window.describe())
    if goal.baseline:
        parts.append(f"vs {goal.baseline.describe()}")
    return " · ".join(parts) + f"  (confidence {goal.confidence:.2f})"


def finding_panel(
    finding: Finding, *, show_sql: bool = False, chart_path: str | None = None
) -> Panel:
    """One finding: the sentence, its numbers, causes or table, and where the evidence is.

    A finding's own table is what Slack shows, so the terminal shows it too; the causes,
    anomalies, segments or worst items are rendered only when the finding has no table."""
    parts: list[Any] = [Text(finding.summary)]
    if finding.root_causes:
        parts.append(_causes(finding))
    elif finding.table is not None and finding.table.rows:
        parts.append(
            _table(
                finding.table.columns,
                finding.table.shown(MAX_ROWS),
                finding.value_format,
                finding.table.formats,
            )
        )
    elif finding.anomalies:
        parts.append(
            _table(
                ("metric", "where", "day", "actual", "expected", "score"),
                (
                    (
                        humanise(a.metric),
                        format_segment(a.where, style="words") or "overall",
                        a.day.isoformat(),
                        quantity(a.actual, a.value_format),
                        quantity(a.expected, a.value_format),
                        f"{a.score:.1f}",
                    )
                    for a in finding.anomalies[:MAX_ROWS]
                ),
            )
        )
    elif finding.segments:
        parts.append(_dicts(finding.segments))
    elif finding.worst_items:
        parts.append(_dicts(finding.worst_items))
    for action in finding.proposed_actions:
        parts.append(
            Text(f"→ proposed: {action.kind} {action.target} — {action.reason}", style="yellow")
        )
    footer = f"confidence {finding.confidence:.2f} · evidence: {len(finding.evidence)} quer{'y' if len(finding.evidence) == 1 else 'ies'}"
    if chart_path:
        footer += f" · chart: {chart_path}"
    for name, path in finding.attachments.items():
        footer += f" · {name}: {path}"
    parts.append(Text(footer, style="dim"))
    if show_sql:
        for evidence in finding.evidence:
            parts.append(Text(f"-- {evidence.description} ({evidence.rows} rows)", style="dim"))
            parts.append(Syntax(evidence.sql, "sql", word_wrap=True))
    return Panel(Group(*parts), title=finding.title, title_align="left")


def print_findings(
    console: Console,
    findings: Iterable[Finding],
    charts: Mapping[int, str] | None = None,
    *,
    show_sql: bool = False,
) -> None:
    for index, finding in enumerate(findings):
        console.print(
            finding_panel(finding, show_sql=show_sql, chart_path=(charts or {}).get(index))
        )


def _causes(finding: Finding) -> Table:
    fmt = finding.value_format
    has_split = any(c.rate_effect is not None for c in finding.root_causes)
    columns = ["where", "baseline", "current", "change", "explains"]
    if has_split:
        columns += ["own rate", "traffic share"]
    rows = []
    for cause in finding.root_causes:
        row = [
            format_segment(cause.where, style="words") or "overall",
            quantity(cause.baseline, fmt),
            quantity(cause.current, fmt),
            quantity_change(cause.change, fmt),
            f"{cause.explains * 100:.0f}%",
        ]
        if has_split:
            row += [quantity_change(cause.rate_effect, fmt), quantity_change(cause.mix_effect, fmt)]
        rows.append(row)
    return _table(columns, rows)


def _dicts(items: Iterable[Mapping[str, Any]]) -> Table:
    rows = list(items)[:MAX_ROWS]
    columns = list(rows[0]) if rows else []
    if "action" in columns:  # what to do matters more than the averages behind it
        columns.remove("action")
        columns.insert(min(4, len(columns)), "action")
    return _table(columns, ([r.get(c) for c in columns] for r in rows))


def _table(
    columns: Iterable[str],
    rows: Iterable[Iterable[Any]],
    value_format: str = "",
    formats: Sequence[str] = (),
) -> Table:
    names = [str(c) for c in columns][:MAX_COLUMNS]
    table = Table(show_edge=False, pad_edge=False)
    for name in names:
        table.add_column(name.replace("_", " "), overflow="ellipsis", max_width=MAX_TEXT)
    for row in rows:
        cells = list(row)[: len(names)]
        table.add_row(
            *(
                _cell(v, name, value_format, formats[i] if i < len(formats) else "")
                for i, (v, name) in enumerate(zip(cells, names, strict=False))
            )
        )
    return table


def _cell(value: Any, column: str = "", value_format: str = "", column_format: str = "") -> str:
    if isinstance(value, str):
        return value
    return cell_text(column, value, value_format, column_format)
