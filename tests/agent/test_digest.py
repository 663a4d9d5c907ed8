"""The digest's numbers against hand-computed pandas numbers on the demo warehouse."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from agent.analyses.scorecard import explain_in_one_line
from agent.demo_data import GeneratedWarehouse
from agent.digest import Digest, answer_digest, build_digest, wants_scorecard
from agent.domain import Finding, Goal, Intent, Window
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
    assert line.baseline == pytest.approx(sum(daily[_day(n)] for n in (8, 15, 22, 29)) / 4)
    assert line.vs_last_week == pytest.approx(daily[_day(1)] / daily[_day(8)] - 1)


def test_conversion_rate_is_computed_per_day_from_its_parts(
    digest: Digest, tables: dict[str, pd.DataFrame]
) -> None:
    s = tables["sessions"]
    rate = s.groupby("d")["converted"].sum() / s.groupby("d").size()
    line = digest.line("conversion_rate")
    assert line.yesterday == pytest.approx(rate[_day(1)])
    assert line.baseline == pytest.approx(sum(rate[_day(n)] for n in (8, 15, 22, 29)) / 4)


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
    for kind in ("digest_kpis", "digest_movers", "digest_anomalies", "digest_forecast",
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
    assert found[0].kind == "digest_kpis"
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
    for share in (0.3, -166.77, 1.4):  # a minority, or a share only offsets explain
        line = explain_in_one_line([explained(share)], "the same day last week")
        assert "mostly" not in line and "%" not in line
        assert "largest mover is organic traffic" in line
