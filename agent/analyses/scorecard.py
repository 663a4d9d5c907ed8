"""scorecard: how a segment did over a period, KPI by KPI, and the period's biggest story.

"How are we doing in the West?", "how did the Midwest do last week?", "how did Black Friday go
last year?" are digest requests about one segment or one period. The answer is every watched
KPI (detect.WATCHLIST) over the goal's window against its comparison period, and the largest
move explained in one sentence by the explain analysis. The comparison is the one the parser
uses everywhere (agent.understand: a day against the same weekday a week before, a week
against the week before, whole months against the months before); a named retail day is
compared with the same named day the year before when the data holds it. A window the data
does not hold gets a sentence saying so, never numbers. Every number carries its SQL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from agent.analyses.base import (
    AnalysisContext,
    Total,
    direction_word,
    missing_data,
    relative_change,
    total,
    where_text,
    window_of,
)
from agent.analyses.detect import WATCHLIST
from agent.analyses.explain import explain
from agent.domain import Evidence, Finding, FindingKind, Goal, Intent, Table, Window, format_segment
from agent.errors import UserError
from agent.understand import normalize
from agent.understand.date_phrases import MONTHS
from agent.understand.windows import comparison_period, find_windows

MAX_EXPLAINED = 3  # moves judged by the explain analysis before calling them all noise


@dataclass(frozen=True, kw_only=True)
class KpiRow:
    """One KPI over the window and its comparison period (None: the data lacks that period)."""

    metric: str
    label: str
    now: Total
    before: Total | None

    @property
    def change(self) -> float:
        return (
            math.nan if self.before is None else relative_change(self.before.value, self.now.value)
        )


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The period the window is judged against, and why it is not the usual one (if not)."""

    window: Window
    note: str = ""


def scorecard(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Every watched KPI for the goal's segment and window against its comparison period."""
    filters = {k: str(v) for k, v in goal.filters.items()}
    window = window_of(goal, ctx.today, default_days=1)
    metrics = _metrics(ctx, filters)
    gaps = {m: missing_data(ctx, m, (window,)) for m in metrics}
    held = [m for m in metrics if not gaps[m]]
    if not held:
        return (_no_data(window, filters, gaps[metrics[0]]),)
    against = comparison(goal, window, ctx, held[0])
    rows = [_row(ctx, m, window, against.window, filters) for m in held]
    notes = [against.note] if against.note else []
    notes += [f"{ctx.layer.metric(m).label}: {gaps[m]}" for m in metrics if gaps[m]]
    lacking = [r.label for r in rows if r.before is None]
    if lacking:
        gap = missing_data(ctx, held[0], (against.window,))
        notes.append(f"No comparison for {', '.join(lacking)}: {gap or 'no data'}.")
    story, story_evidence = _story(ctx, rows, filters, window, against.window)
    return (_finding(ctx, rows, filters, window, against.window, story, notes, story_evidence),)


def comparison(goal: Goal, window: Window, ctx: AnalysisContext, metric: str) -> Comparison:
    """The goal's baseline when the text named one; a named retail day's same day the year
    before when the data holds it; otherwise the parser's comparison period for the window."""
    if goal.baseline is not None:
        return Comparison(window=goal.baseline)
    usual = _as_the_parser_compares(goal, window, ctx.today) or comparison_period(window)
    named = named_period_year_before(window, ctx.today)
    if named is None:
        return Comparison(window=usual)
    gap = missing_data(ctx, metric, (named,))
    if not gap:
        return Comparison(window=named)
    return Comparison(
        window=usual,
        note=f"{window.label} {named.start.year}: {gap}; compared with {usual.describe()} instead.",
    )


def _as_the_parser_compares(goal: Goal, window: Window, today: date) -> Window | None:
    """The period the parser sets the window against for the words that named it ("this
    month": the same days of last month), so "how are we doing this month?" holds the same
    baseline as "revenue MTD" (not the days just before, weekend against weekdays)."""
    if not goal.text:
        return None
    return next(
        (
            m.before
            for m in find_windows(normalize(goal.text), today)
            if m.role == "main" and m.window == window and m.before is not None
        ),
        None,
    )


def named_period_year_before(window: Window, today: date) -> Window | None:
    """The same named retail period one year earlier ("Black Friday" 2024 → Nov 24, 2023), read
    by the parser's own rule; None when the window is not a named period (a date, a month)."""
    label = window.label.strip()
    if not label or any(c.isdigit() for c in label) or label.lower() in MONTHS:
        return None
    text = normalize(f"{label} {window.start.year - 1}")
    found = find_windows(text, today)
    if len(found) != 1 or (found[0].start, found[0].end) != (0, len(text)):
        return None  # the year was not part of the phrase: not a period named by the calendar
    earlier = found[0].window
    if earlier is None or earlier.label != window.label or earlier == window:
        return None
    return earlier if earlier.start.year == window.start.year - 1 else None


def explain_in_one_line(found: Sequence[Finding], against: str) -> str:
    """An explain finding in one line: the main segment behind the move, or 'noise'."""
    if not found:
        return "no explanation found."
    finding = found[0]
    if finding.facts.get("borderline"):
        return "larger than most past changes, but not clearly beyond normal variation."
    if finding.facts.get("within_noise"):
        return "within normal variation."
    if finding.root_causes:
        top = max(finding.root_causes, key=lambda c: c.explains)
        where = format_segment(top.where, style="words")
        if 0.5 < top.explains <= 1.0:
            return f"mostly {where} ({top.explains:.0%} of the change vs {against})."
        if top.explains <= 0:
            # Every segment named moved against the total ("organic fell while customers
            # rose"): it is not the mover of this change, and is said as what it is.
            return f"broad; {where} moved against it."
        if top.explains > 1.0:
            # More than all of it (desktop −47 of a −25): the story, but a share past 100%
            # says nothing without the moves that offset it, so none is given.
            return f"{where} moved by more than the whole change; other segments partly offset it."
        # Not a majority: name the largest mover with the change, not as the story.
        return f"no single segment explains most of it; the largest mover with it is {where}."
    # No cause named: the first sentence restates the move; the next one says what it was.
    sentences = finding.summary.split(". ")
    said = sentences[1] if len(sentences) > 1 else sentences[0]
    return said.rstrip(".") + "."


def _metrics(ctx: AnalysisContext, filters: dict[str, str]) -> list[str]:
    """The watched KPIs that can be cut by the filters; any metric that can, when none of them
    can (a category is a forecast's dimension, not a session's)."""

    def splits(metric: str) -> bool:
        # A metric the asker's policy hides is left out, not a reason to refuse the card.
        hidden = metric in ctx.access.hidden_metrics
        return not hidden and set(filters) <= set(ctx.layer.dimensions_for(metric))

    watched = [m for m in WATCHLIST if m in ctx.layer.metrics and splits(m)]
    found = watched or [m for m in ctx.layer.metric_names if splits(m)]
    if not found:
        raise UserError(
            f"None of the KPIs can be split by {', '.join(sorted(filters))}.",
            hint="Try a region, device, channel or customer type.",
        )
    return found


def _row(
    ctx: AnalysisContext, metric: str, window: Window, baseline: Window, filters: dict[str, str]
) -> KpiRow:
    now = total(ctx, metric, window, filters)
    before = (
        None if missing_data(ctx, metric, (baseline,)) else total(ctx, metric, baseline, filters)
    )
    return KpiRow(metric=metric, label=ctx.layer.metric(metric).label, now=now, before=before)


def _story(
    ctx: AnalysisContext,
    rows: Sequence[KpiRow],
    filters: dict[str, str],
    window: Window,
    baseline: Window,
) -> tuple[str, tuple[Evidence, ...]]:
    """The largest KPI move that is more than noise, explained in one sentence.

    A small segment's counts swing widely (4 tickets → 7 is +75%), so the largest relative
    move is not always news: the explain analysis judges the largest few (about 0.1 s each)
    and the first beyond normal variation is the story."""
    moved = sorted((r for r in rows if math.isfinite(r.change)), key=lambda r: -abs(r.change))
    borderline: list[KpiRow] = []
    for row in moved[:MAX_EXPLAINED]:
        goal = Goal(
            intent=Intent.EXPLAIN,
            metric=row.metric,
            filters=filters,
            window=window,
            baseline=baseline,
            window_stated=True,
            baseline_stated=True,  # the scorecard's rows are against this baseline
        )
        found = explain(goal, ctx)
        if found and found[0].facts.get("borderline"):
            borderline.append(row)
        if not found or found[0].kind == FindingKind.NO_DATA or found[0].facts.get("within_noise"):
            continue
        why = explain_in_one_line(found, baseline.describe())
        return f"Biggest story: {_move(ctx, row)}: {why}", tuple(found[0].evidence)
    if not moved:
        return "", ()
    if borderline:
        # Larger than most past changes: "normal variation" would read as "nothing happened".
        moves = "; ".join(_move(ctx, r) for r in borderline)
        return (
            f"No KPI moved clearly beyond normal variation, but these are larger than most "
            f"past changes: {moves}. Worth watching.",
            (),
        )
    return f"No KPI moved beyond normal variation; the largest move: {_move(ctx, moved[0])}.", ()


def _move(ctx: AnalysisContext, row: KpiRow) -> str:
    """'Sessions up 156.5% (2,605 → 6,681)'."""
    assert row.before is not None  # only rows with a finite change are moves
    fmt = ctx.layer.format_value
    word = direction_word(row.change)
    change = ctx.layer.format_change(row.metric, row.before.value, row.now.value)
    size = change if word == "flat" else change.lstrip("+-")
    before, now = fmt(row.metric, row.before.value), fmt(row.metric, row.now.value)
    return f"{row.label} {word} {size} ({before} → {now})"


def _finding(
    ctx: AnalysisContext,
    rows: Sequence[KpiRow],
    filters: dict[str, str],
    window: Window,
    baseline: Window,
    story: str,
    notes: Sequence[str],
    story_evidence: tuple[Evidence, ...],
) -> Finding:
    fmt, layer = ctx.layer.format_value, ctx.layer
    table = Table(
        columns=("metric", window.describe(), baseline.describe(), "change"),
        rows=tuple(
            (
                r.label,
                fmt(r.metric, r.now.value),
                fmt(r.metric, r.before.value) if r.before else "no data",
                layer.format_change(r.metric, r.before.value, r.now.value) if r.before else "n/a",
            )
            for r in rows
        ),
    )
    lead = [r for r in rows if r.metric in ("revenue", "orders", "conversion_rate")] or rows[:3]
    said = "; ".join(
        f"{r.label} {fmt(r.metric, r.now.value)}"
        # After a comma, not in brackets: a rate's change already carries its own
        # "(-10.3%)", and "(-0.35 pp (-10.3%))" nests.
        + (f", {layer.format_change(r.metric, r.before.value, r.now.value)}" if r.before else "")
        for r in lead
    )
    scope = _scope(filters, window)
    summary = f"{scope} against {baseline.describe()}: {said}."
    if story:
        summary += f" {story}"
    if notes:
        summary += " " + " ".join(notes)
    facts: dict[str, object] = {
        "window": window.to_json(),
        "baseline_window": baseline.to_json(),
        "filters": dict(filters),
    }
    for r in rows:
        facts[f"{r.metric}.value"] = r.now.value
        facts[f"{r.metric}.baseline"] = r.before.value if r.before else None
        facts[f"{r.metric}.change"] = r.change if math.isfinite(r.change) else None
    evidence = [
        e for r in rows for e in (r.now.evidence, *((r.before.evidence,) if r.before else ()))
    ]
    return Finding(
        kind=FindingKind.SCORECARD,
        title=f"Scorecard: {scope}",
        summary=summary,
        facts=facts,
        table=table,
        evidence=(*evidence, *story_evidence),
        confidence=0.95,
    )


def _scope(filters: dict[str, str], window: Window) -> str:
    """'Sun Dec 14, 2025 in West' or 'Black Friday (Fri Nov 29, 2024)'."""
    named = window.label[:1].isupper() and not any(c.isdigit() for c in window.label)
    when = f"{window.label} ({window.describe()})" if named else window.describe()
    return when + where_text(filters)


def _no_data(window: Window, filters: dict[str, str], gap: str) -> Finding:
    scope = _scope(filters, window)
    return Finding(
        kind=FindingKind.NO_DATA,
        title=f"No data for {scope}",
        summary=f"I can't score {scope}: {gap or 'the data is empty'}.",
        facts={"window": window.to_json(), "missing": gap},
        confidence=1.0,
    )
