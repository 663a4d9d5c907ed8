"""The digest's numbers against hand-computed pandas numbers on the demo warehouse."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from agent.analyses.scorecard import explain_in_one_line
from agent.demo_data import GeneratedWarehouse
from agent.digest import NOT_WATCHED, QUIET, Digest, answer_digest, build_digest, wants_scorecard
from agent.domain import Finding, Goal, Intent, Window, format_segment
from agent.service import ScoutService, _split_for_reading
from agent.views import Reply
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def digest(demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Digest:
    import asyncio

    async def main() -> Digest:
        deps = await demo_deps(
            demo_warehouse.path, tmp_path_factory.mktemp("d") / "m.sqlite3", TODAY
        )
        try:
            return await build_digest(deps, TODAY)
        finally:
            await deps.close()

    return asyncio.run(main())


@pytest.fixture(scope="module")
def tables(demo_warehouse: GeneratedWarehouse) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(demo_warehouse.path), read_only=True)
    try:
        out = {
            "orders": con.execute("SELECT order_date AS d, revenue FROM orders").df(),
            "sessions": con.execute("SELECT session_date AS d, converted FROM sessions").df(),
            "forecasts": con.execute(
                "SELECT forecast_date AS d, category, forecast_units, actual_units FROM inventory_forecasts"
            ).df(),
        }
    finally:
        con.close()
    for frame in out.values():
        frame["d"] = pd.to_datetime(frame["d"]).dt.date
    return out


def _day(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_revenue_against_last_week_and_the_four_week_baseline(
    digest: Digest, tables: dict[str, pd.DataFrame]
) -> None:
    daily = tables["orders"].groupby("d")["revenue"].sum()
    line = digest.line("revenue")
    assert line.yesterday == pytest.approx(daily[_day(1)])
    assert line.last_week == pytest.approx(daily[_day(8)])
    # The four same weekdays before; those in the Black Friday stretch (Nov 23 and Nov 30,
    # 2025: the Sunday before Thanksgiving week and Black Friday's Sunday) give way to the
    # next two Sundays back.
    assert line.baseline == pytest.approx(sum(daily[_day(n)] for n in (8, 29, 36, 43)) / 4)
    assert line.vs_last_week == pytest.approx(daily[_day(1)] / daily[_day(8)] - 1)


def test_conversion_rate_is_computed_per_day_from_its_parts(
    digest: Digest, tables: dict[str, pd.DataFrame]
) -> None:
    s = tables["sessions"]
    rate = s.groupby("d")["converted"].sum() / s.groupby("d").size()
    line = digest.line("conversion_rate")
    assert line.yesterday == pytest.approx(rate[_day(1)])
    assert line.baseline == pytest.approx(sum(rate[_day(n)] for n in (8, 29, 36, 43)) / 4)


def test_forecast_health_per_category(digest: Digest, tables: dict[str, pd.DataFrame]) -> None:
    f = tables["forecasts"]
    week = f[(f["d"] >= _day(7)) & (f["d"] < TODAY)]
    section = next(s for s in digest.sections if s.kind == "digest_forecast")
    for category, rows in week.groupby("category"):
        wape = (rows["forecast_units"] - rows["actual_units"]).abs().sum() / rows[
            "actual_units"
        ].sum()
        assert section.facts[category] == pytest.approx(wape)


def test_monday_has_a_weekly_summary(digest: Digest, tables: dict[str, pd.DataFrame]) -> None:
    assert TODAY.weekday() == 0 and digest.weekly
    weekly = next(s for s in digest.sections if s.kind == "digest_weekly")
    orders = tables["orders"]
    last = orders[(orders["d"] >= _day(7)) & (orders["d"] < TODAY)]["revenue"].sum()
    assert weekly.table is not None
    revenue_row = next(r for r in weekly.table.rows if r[0] == "Revenue")
    assert revenue_row[1] == f"${last:,.0f}"


def test_every_section_is_there(digest: Digest) -> None:
    kinds = [s.kind for s in digest.sections]
    for kind in ("digest_story", "digest_kpis", "digest_movers", "digest_anomalies", "digest_forecast",
                 "digest_approvals", "digest_activity", "digest_weekly"):  # fmt: skip
        assert kind in kinds
    assert all(s.confidence > 0 for s in digest.sections), [s.summary for s in digest.sections]


def _answer(demo_warehouse: GeneratedWarehouse, memory: Path, text: str) -> tuple[Finding, ...]:
    """What a person asking `text` gets from the digest path, with real deps."""
    import asyncio

    from agent.understand import understand

    async def main() -> tuple[Finding, ...]:
        deps = await demo_deps(demo_warehouse.path, memory, TODAY)
        try:
            goal = understand(text, layer=deps.layer, today=TODAY)
            assert goal.intent is Intent.DIGEST, goal
            return await answer_digest(deps, goal, TODAY)
        finally:
            await deps.close()

    return asyncio.run(main())


def test_a_segment_snapshot_reports_that_segment_not_the_company(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    (finding,) = _answer(demo_warehouse, tmp_path / "m.sqlite3", "how are we doing in the West?")
    con = duckdb.connect(str(demo_warehouse.path), read_only=True)
    try:
        west, everyone, west_before = con.execute(
            "SELECT SUM(revenue) FILTER (WHERE region = 'West' AND order_date = ?),"
            " SUM(revenue) FILTER (WHERE order_date = ?),"
            " SUM(revenue) FILTER (WHERE region = 'West' AND order_date = ?) FROM orders",
            [_day(1), _day(1), _day(8)],
        ).fetchone()
    finally:
        con.close()
    assert finding.kind == "scorecard"
    assert finding.facts["revenue.value"] == pytest.approx(west)
    assert finding.facts["revenue.baseline"] == pytest.approx(west_before)
    assert west < everyone
    assert "West" in finding.title
    # Only metrics that can be split by region are listed (forecast error cannot).
    assert finding.table is not None
    metrics = [row[0] for row in finding.table.rows]
    assert "Forecast error (WAPE)" not in metrics and "Revenue" in metrics


def test_a_plain_digest_request_keeps_the_morning_digest(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    found = _answer(demo_warehouse, tmp_path / "m.sqlite3", "morning digest")
    assert [f.kind for f in found[:2]] == ["digest_story", "digest_kpis"]
    assert "scorecard" not in [f.kind for f in found]


def test_a_digest_request_for_a_segment_and_a_week_is_its_scorecard(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    (card,) = _answer(demo_warehouse, tmp_path / "m.sqlite3", "how did the Midwest do last week?")
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        row = con.execute(
            "SELECT COUNT(*) FILTER (WHERE order_date >= ? AND order_date < ?),"
            " COUNT(*) FILTER (WHERE order_date >= ? AND order_date < ?)"
            " FROM orders WHERE region = 'Midwest'",
            [_day(7), TODAY, _day(14), _day(7)],
        ).fetchone()
    assert row is not None
    assert card.kind == "scorecard"
    assert (card.facts["orders.value"], card.facts["orders.baseline"]) == row


def test_which_digest_requests_get_a_scorecard() -> None:
    yesterday = Window(start=_day(1), end=TODAY)
    assert not wants_scorecard(Goal(intent=Intent.DIGEST), TODAY)
    assert not wants_scorecard(Goal(intent=Intent.DIGEST, window=yesterday), TODAY)
    assert wants_scorecard(Goal(intent=Intent.DIGEST, filters={"device": "mobile"}), TODAY)
    week = Window(start=_day(7), end=TODAY)
    assert wants_scorecard(Goal(intent=Intent.DIGEST, window=week), TODAY)


def test_a_mover_is_called_mostly_one_segment_only_for_a_majority() -> None:
    from agent.domain import RootCause

    def explained(share: float) -> Finding:
        cause = RootCause(
            where={"channel": "organic"}, baseline=100.0, current=60.0, change=-40.0,
            explains=share,
        )  # fmt: skip
        return Finding(kind="explain", title="t", summary="s.", root_causes=(cause,))

    line = explain_in_one_line([explained(0.8)], "the same day last week")
    assert line == "mostly organic traffic (80% of the change vs the same day last week)."
    line = explain_in_one_line([explained(0.3)], "the same day last week")  # a minority
    assert "mostly" not in line and "%" not in line
    assert "largest mover with it is organic traffic" in line
    # More than all of it (probe I: desktop 188% of new customers' fall) is the story, not
    # "no single segment explains most"; its share only offsets explain, so none is given.
    line = explain_in_one_line([explained(1.88)], "the same day last week")
    assert line == (
        "organic traffic moved by more than the whole change; other segments partly offset it."
    )
    # A segment that moved against the total is never called its mover.
    line = explain_in_one_line([explained(-166.77)], "the same day last week")
    assert line == "broad; organic traffic moved against it."


def test_a_borderline_mover_is_not_called_plain_normal_variation() -> None:
    def judged(**facts: bool) -> Finding:
        return Finding(kind="explain", title="t", summary="s.", facts=facts)

    plain = explain_in_one_line([judged(within_noise=True, borderline=False)], "last week")
    assert plain == "within normal variation."
    line = explain_in_one_line([judged(within_noise=True, borderline=True)], "last week")
    assert line.startswith("larger than most past changes") and "not clearly beyond" in line


# --------------------------------------------------------------------------- the biggest story


def _watched(warehouse: GeneratedWarehouse, memory: Path) -> Digest:
    """The digest the morning after one monitor cycle, as the scheduler runs them."""
    import asyncio

    async def main() -> Digest:
        core = ScoutService(await demo_deps(warehouse.path, memory, TODAY))
        try:
            await core.monitor()
            return await build_digest(core.deps, TODAY)
        finally:
            await core.close()

    return asyncio.run(main())


@pytest.fixture(scope="module")
def watched(demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Digest:
    return _watched(demo_warehouse, tmp_path_factory.mktemp("w") / "m.sqlite3")


def test_the_digest_leads_with_the_injected_conversion_drop_and_its_revenue_cost(
    watched: Digest, demo_warehouse: GeneratedWarehouse
) -> None:
    scenario = demo_warehouse.scenario("conversion_drop")
    story = watched.sections[0]
    assert story is watched.story and story.kind == "digest_story"
    lead = story.anomalies[0]
    assert lead.metric == "conversion_rate" and dict(lead.where) == dict(scenario.where)
    assert lead.day == scenario.start and lead.direction == "down"
    end = lead.day + timedelta(days=lead.days)
    where = " AND ".join(f"{k} = ?" for k in scenario.where)
    values = list(scenario.where.values())
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        rates = con.execute(
            f"SELECT AVG(converted::DOUBLE) FROM sessions WHERE {where}"
            " AND session_date >= ? AND session_date < ? GROUP BY session_date",
            [*values, lead.day, end],
        ).fetchall()
        (revenue,) = con.execute(
            f"SELECT SUM(revenue) FROM orders WHERE {where} AND order_date >= ? AND order_date < ?",
            [*values, lead.day, end],
        ).fetchone() or (None,)
    assert lead.actual == pytest.approx(sum(r for (r,) in rates) / len(rates))
    # Sessions and basket value held, the revenue lost per day is the segment's actual revenue
    # scaled by the conversion it should have had.
    per_day = revenue / lead.days * (1 - lead.expected / lead.actual)
    assert story.facts["revenue_per_day"] == pytest.approx(per_day)
    about = float(f"{abs(per_day):.2g}")
    segment = format_segment(scenario.where, style="words")
    assert story.summary == (
        f"Biggest story: Conversion rate in {segment} has been down since "
        f"{lead.day:%a %b %-d} ({lead.actual:.2%} on average over {lead.days} days vs "
        f"{lead.expected:.2%} expected), costing about ${about:,.0f} a day in revenue."
    )


def test_the_story_is_the_most_revenue_at_stake_not_the_sharpest_day(watched: Digest) -> None:
    """A one-day revenue drop can cost more that day than the conversion drop costs per day;
    over its days the conversion drop still puts more revenue at stake, so it leads."""
    story = watched.sections[0]
    lead = story.anomalies[0]
    at_stake = abs(story.facts["revenue_per_day"]) * lead.days
    section = next(s for s in watched.sections if s.kind == "digest_anomalies")
    others = [a for a in section.anomalies if a.metric == "revenue" and a not in story.anomalies]
    assert others
    for other in others:
        assert abs(other.actual - other.expected) * other.days < at_stake
    assert any(abs(o.actual - o.expected) > abs(story.facts["revenue_per_day"]) for o in others)


def test_a_quiet_store_says_so_plainly(quiet_warehouse: GeneratedWarehouse, tmp_path: Path) -> None:
    digest = _watched(quiet_warehouse, tmp_path / "m.sqlite3")
    story = digest.sections[0]
    assert story.summary == QUIET and not story.anomalies
    assert "monitor_ran" in next(s for s in digest.sections if s.kind == "digest_anomalies").facts


def test_before_the_monitor_has_run_the_digest_does_not_call_the_day_quiet(digest: Digest) -> None:
    # The demo warehouse has a live conversion drop; only the monitor looks at segments.
    assert digest.sections[0].summary == NOT_WATCHED


def test_the_headline_is_the_story_then_the_kpis_then_one_line_per_threaded_section(
    watched: Digest,
) -> None:
    reply = Reply(text="Good morning!", findings=watched.findings)
    headline, details = _split_for_reading(reply)
    assert headline.text == "Good morning!\n" + watched.sections[0].summary
    kpis, overview = headline.findings
    assert kpis.kind == "digest_kpis"
    threaded = [s for s in watched.sections if s.kind not in ("digest_story", "digest_kpis")]
    assert [f.kind for f in details.findings] == [s.kind for s in threaded]
    lines = overview.summary.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [s.title for s in threaded]
    assert lines[-1] == "The details are in the thread."


def test_a_day_compared_with_last_week_s_black_friday_says_so(
    demo_warehouse: GeneratedWarehouse, tmp_path: Path, digest: Digest
) -> None:
    """Fri Dec 5, 2025 against Fri Nov 28 (Black Friday): the fall is the holiday's, and the
    line names it; an ordinary week keeps the plain 'vs last week'."""
    import asyncio

    from agent.domain import FindingKind

    saturday = date(2025, 12, 6)
    assert saturday - timedelta(days=8) == date(2025, 11, 28)  # Black Friday 2025

    async def main() -> Digest:
        deps = await demo_deps(demo_warehouse.path, tmp_path / "m.sqlite3", saturday)
        try:
            return await build_digest(deps, saturday)
        finally:
            await deps.close()

    after = asyncio.run(main())
    (kpis,) = [f for f in after.findings if f.kind is FindingKind.DIGEST_KPIS]
    assert "vs last week, Black Friday)" in kpis.summary
    (plain,) = [f for f in digest.findings if f.kind is FindingKind.DIGEST_KPIS]
    assert "vs last week)" in plain.summary and "Black Friday" not in plain.summary
