"""The explain Finding: a sentence a manager understands, the causes, a waterfall, the SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agent.analyses.base import (
    AnalysisContext,
    dimension_words,
    direction_word,
    relative_change,
    where_text,
)
from agent.analyses.explain.verdict import OVER_ALL
from agent.analyses.rca import RCAResult, describe_where
from agent.analyses.rca.model import SegmentTest
from agent.domain import ChartSpec, Finding, FindingKind, RootCause, Series, Table, format_segment

if TYPE_CHECKING:
    from agent.analyses.explain.core import Explained
    from agent.analyses.explain.onset import Onset


def segment_text(where: Mapping[str, str]) -> str:
    """A segment in a sentence ('mobile × Northeast'); the whole store is 'everything'."""
    return format_segment(where, style="words") or "everything"


def build_finding(ctx: AnalysisContext, done: Explained, *, asked: Sequence[str]) -> Finding:
    """The Finding for an engine result: summary, facts, causes, table, chart, evidence."""
    result, metric = done.result, done.metric
    definition = ctx.layer.metric(metric)
    fmt = ctx.layer.format_value
    label = definition.label
    where = where_text(done.filters)
    b, c = result.total_baseline, result.total_current
    relative = relative_change(b, c)
    direction = direction_word(relative, flat_below=1e-9)
    verb = {"up": "rose", "down": "fell", "flat": "stayed"}[direction]
    head = (
        f"{label}{where} {verb} from {fmt(metric, b)} to {fmt(metric, c)} "
        f"({ctx.layer.format_change(metric, b, c, inline=True)}) {_period_text(done)}."
    )
    if done.onset is not None:
        head += " " + _onset_text(done.onset)
    if done.rebased is not None:
        head += " " + done.rebased.rebased_text(ctx, metric, done.window.start)
    causes = result.root_causes
    if result.within_noise and result.offsets:
        body = (
            f" The total is within normal variation ({result.noise_reason}), but large moves "
            f"offset each other: {_offsets_text(ctx, metric, result.offsets, result.kind)}."
        )
    elif result.within_noise and done.split is not None and done.split.average_unusual:
        # Revenue that held while its baskets collapsed (more orders, far smaller ones) did
        # not stay the same: the make-up is the story, told by the split below.
        body = (
            f" The total is within normal variation ({result.noise_reason}), but not what it "
            "was made of."
        )
    elif result.borderline:
        body = (
            f" That is larger than most past changes but not clearly beyond normal variation "
            f"({result.noise_reason}), so I am not naming a cause yet."
        )
    elif result.within_noise:
        body = (
            f" That is within normal variation ({result.noise_reason}), so I am not naming a cause."
        )
    elif not causes:
        body = " " + _spread_text(ctx, result, where)
    else:
        body = " " + _causes_text(ctx, metric, result, done.local)
        if result.spread is not None:
            body = " " + _spread_text(ctx, result, where, named=True) + body
        if done.local:
            body = (
                " On its own that is within normal variation, but "
                f"{segment_text(causes[0].where)} "
                "moved unlike the rest, beyond its own noise." + body
            )
    if done.outlier is not None and causes and not result.within_noise:
        body += " " + done.outlier.text(ctx, metric, segment_text(causes[0].where))
    if done.compared is not None and done.compared_in is not None:
        body += " " + done.compared.text(
            ctx, metric, format_segment(done.compared_in, style="words")
        )
    if done.funnel is not None:
        body += " " + done.funnel.text()
    if done.split is not None and done.split.change:
        body += " " + done.split.text(ctx.layer)
    top = causes[0] if causes and not result.within_noise else None
    facts: dict[str, Any] = {
        "value": c,
        "baseline": b,
        "change": result.total_change,
        "relative_change": relative,
        "direction": direction,
        "top_cause": dict(top.where) if top else None,
        "explained": result.explained if causes else 0.0,
        "within_noise": result.within_noise,
        "borderline": result.borderline,
        "local": done.local,
        "noise_reason": result.noise_reason,
        "history_periods": len(done.history.changes),
        "window": done.window.describe(),
        "baseline_window": done.baseline.describe(),
        "dimensions_searched": list(done.leaves.dims),
        "leaves": len(done.leaves.frame),
    }
    if result.significance:
        facts["p_values"] = dict(result.significance)
    if result.tests:
        facts["segment_tests"] = {k: t.to_json() for k, t in result.tests.items()}
    if result.spread is not None:
        facts["broad"] = result.spread.to_json()
    if result.offsets:
        facts["offsets"] = [rc.to_json() for rc in result.offsets]
    if done.funnel is not None:
        facts["funnel"] = done.funnel.to_json()
    if done.baseline_scaled != 1.0:
        facts["baseline_scaled_by"] = done.baseline_scaled
    if done.onset is not None:
        facts["onset"] = done.onset.to_json()
    if done.split is not None:
        facts["count_value"] = done.split.to_json()
    by = f" by {', '.join(dimension_words(ctx, d, many=False) for d in asked)}" if asked else ""
    when = done.onset.text().split(" vs ")[0] if done.onset is not None else done.window.describe()
    return Finding(
        kind=FindingKind.EXPLAIN,
        title=f"Why {label.lower()}{where} {_moved(direction)}{by}, {when}",
        summary=head + body,
        facts=facts,
        table=_table(causes, result.kind == "ratio"),
        root_causes=causes,
        evidence=(
            *((done.onset.evidence,) if done.onset is not None else ()),
            *done.leaves.evidence,
            done.history.evidence,
            *(done.funnel.evidence if done.funnel else ()),
            *(done.split.evidence if done.split else ()),
        ),
        confidence=result.confidence,
        chart=_chart(ctx, done),
    )


def _period_text(done: Explained) -> str:
    """'in Nov 27 – Dec 3, 2026 vs …', or since when the move began when Scout chose it."""
    span = f"{done.window.describe()} vs {done.baseline.describe()}"
    if done.onset is not None:
        return f"{done.onset.text()} ({span})"
    return ("on " if done.window.days == 1 else "in ") + span


def _onset_text(onset: Onset) -> str:
    """Why this window: the question named none, and a daily series says when the move began."""
    way = "below" if onset.z < 0 else "above"
    series = f" of {segment_text(onset.where)}" if onset.where else ""
    days = f"{onset.run_days} day{'s' if onset.run_days > 1 else ''}"
    return (
        f"You named no period, so I compared from where the move began: from "
        f"{onset.start:%a %b %-d} the daily values{series} ran {way} what the weeks before "
        f"predicted (z = {onset.z:+.1f} over {days})."
    )


def _moved(direction: str) -> str:
    return {"up": "rose", "down": "fell", "flat": "did not move"}[direction]


def _causes_text(ctx: AnalysisContext, metric: str, result: RCAResult, local: bool) -> str:
    fmt = ctx.layer.format_value
    noun = ctx.layer.metric(metric).label.lower()
    causes = result.root_causes
    top = causes[0]
    share = top.explains
    over = share > OVER_ALL
    test = result.tests.get(describe_where(top.where))
    # Beside a total that barely moved, a share of its change says nothing; a small share of a
    # broad move that departs from the rest is the segment that lagged (or led), never "the
    # largest part" of it.
    unlike = _unlike_the_rest(test, result.total_change) if 0 <= share < 0.5 else None
    lead = (
        unlike
        if unlike is not None and not local
        else "The segment that moved against it"
        if share < 0 and not local
        else "The segment that moved"
        if local and not 0 <= share <= OVER_ALL
        else f"More than all of it ({share:.0%})"
        if over
        else f"All of it ({share:.0%})"
        if share >= 0.95
        else f"Most of it ({share:.0%})"
        if share >= 0.5
        else f"The largest part ({share:.0%})"
    )
    moved = "fell" if top.current < top.baseline else "rose"
    text = (
        f"{lead} is {segment_text(top.where)}: its {noun} {moved} from "
        f"{fmt(metric, top.baseline)} to {fmt(metric, top.current)}"
    )
    if result.kind == "ratio":
        text += f" — {_effect_words(top)}"
    text += "."
    if test is not None:
        text += " " + _test_text(test, result.kind == "ratio")
    if (over or local) and result.offsets:
        text += (
            (
                " It is more than the whole change because other segments moved the other way: "
                if over
                else " Against it: "
            )
            + _offsets_text(ctx, metric, result.offsets, result.kind)
            + "."
        )
    elif over and test is not None:
        text += (
            f" It is more than the whole change because the rest moved the other way "
            f"({test.rest_change:+.0%})."
        )
    if len(causes) > 1:
        others = "; ".join(f"{segment_text(rc.where)} ({rc.explains:.0%})" for rc in causes[1:])
        text += f" Also {others}."
    return text


def _unlike_the_rest(test: SegmentTest | None, total_change: float) -> str | None:
    """'The segment that lagged the rest' when a segment departs from the rest against the
    move (a rise it barely shared, a fall it resisted); None when it moved with the move."""
    if test is None or total_change == 0:
        return None
    behind = (test.change - test.rest_change) * total_change < 0
    if not behind:
        return None
    return (
        "The segment that lagged the rest"
        if total_change > 0
        else ("The segment that held up against the fall")
    )


def _test_text(test: SegmentTest, ratio: bool) -> str:
    """Sample sizes and the test that says the segment departs from the rest."""
    nb, db, nc, dc = test.counts
    sizes = f"{_n(nb)} of {_n(db)} → {_n(nc)} of {_n(dc)}; " if ratio else ""
    return (
        f"({sizes}{test.change:+.0%} against {test.rest_change:+.0%} for everything else, "
        f"z = {test.z:+.1f}, p = {test.p:.1g} after allowing for {test.tested} segments tested.)"
    )


def _offsets_text(
    ctx: AnalysisContext, metric: str, offsets: Sequence[RootCause], kind: str
) -> str:
    fmt = ctx.layer.format_value
    words = []
    for rc in offsets:
        moved = "rose" if rc.current > rc.baseline else "fell"
        text = f"{segment_text(rc.where)} {moved} from {fmt(metric, rc.baseline)} to {fmt(metric, rc.current)}"
        if kind != "ratio":
            text += f" ({'+' if rc.change >= 0 else '-'}{fmt(metric, abs(rc.change))})"
        words.append(text)
    return " while ".join(words) if len(words) == 2 else "; ".join(words)


def _spread_text(ctx: AnalysisContext, result: RCAResult, where: str, named: bool = False) -> str:
    """A move no segment stands out of: broad (all one way) or spread (both ways). `named` when
    a finer segment (a cell of two dimensions) does stand out and is named next."""
    spread = result.spread
    if spread is None:
        return "The change is spread across the data: no small group of segments explains it."
    labels = [ctx.layer.dimension(d).label.lower() for d in spread.dims]
    names = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    if spread.same_direction:
        verb = "fell" if spread.high < 0 else "rose"
        low, high = sorted((abs(spread.low), abs(spread.high)))
        if named:
            return f"The move is broad: every {names}{where} {verb} {low * 100:.0f}–{high:.0%}."
        return (
            f"The move is broad: every {names}{where} {verb} {low * 100:.0f}–{high:.0%}, and no "
            "segment departs from the rest beyond noise."
        )
    moved = f"The change is spread across the data: {names} values moved between "
    moved += f"{spread.low:+.0%} and {spread.high:+.0%}"
    return f"{moved}." if named else f"{moved}, and no segment departs from the rest beyond noise."


def _n(count: float) -> str:
    return f"{round(count):,}"


def _effect_words(rc: RootCause) -> str:
    """Rate effect (the segment got worse) vs mix effect (its traffic share moved)."""
    rate, mix = rc.rate_effect or 0.0, rc.mix_effect or 0.0
    if abs(rate) >= 2 * abs(mix):
        return "a rate effect, not a shift in traffic mix"
    if abs(mix) >= 2 * abs(rate):
        return "a shift in traffic mix, not a change in its own rate"
    return (
        f"partly its own rate ({rate * 100:+.2f} pp), partly a shift in mix ({mix * 100:+.2f} pp)"
    )


def _table(causes: Sequence[RootCause], ratio: bool) -> Table | None:
    if not causes:
        return None
    columns: tuple[str, ...] = ("segment", "baseline", "current", "change", "explains")
    if ratio:
        columns += ("rate_effect", "mix_effect")
    rows = []
    for rc in causes:
        row: tuple[Any, ...] = (
            describe_where(rc.where),
            rc.baseline,
            rc.current,
            rc.change,
            rc.explains,
        )
        if ratio:
            row += (rc.rate_effect, rc.mix_effect)
        rows.append(row)
    return Table(columns=columns, rows=tuple(rows))


def _chart(ctx: AnalysisContext, done: Explained) -> ChartSpec:
    """Baseline, each cause's contribution, the rest, current: a waterfall that adds up."""
    result = done.result
    definition = ctx.layer.metric(done.metric)
    causes = () if result.within_noise else result.root_causes
    contributions = [rc.explains * result.total_change for rc in causes]
    rest = result.total_change - sum(contributions)
    x = [
        f"{done.baseline.describe()}",
        *(segment_text(rc.where) for rc in causes),
        "everything else" if causes else "change",
        f"{done.window.describe()}",
    ]
    y = [result.total_baseline, *contributions, rest, result.total_current]
    return ChartSpec(
        kind="waterfall",
        title=f"What moved {definition.label.lower()}{where_text(done.filters)}",
        subtitle=f"{done.baseline.describe()} → {done.window.describe()}",
        series=(Series(name=definition.label, x=tuple(x), y=tuple(float(v) for v in y)),),
        y_label=definition.label,
        unit=definition.format,
        highlight=(segment_text(causes[0].where),) if causes else (),
    )
