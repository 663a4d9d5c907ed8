"""Each injected scenario is real where recorded, absent elsewhere, and its recorded size is
what pandas computes from the same tables by the documented definition."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from agent.demo_data import GeneratedWarehouse, Scenario


class Tables:
    """The warehouse's tables as pandas frames, read once per module."""

    def __init__(self, warehouse: GeneratedWarehouse) -> None:
        con = duckdb.connect(str(warehouse.path), read_only=True)
        try:
            self.sessions = con.execute(
                """SELECT session_date, region, device, channel, customer_type, converted
                   FROM sessions"""
            ).df()
            self.orders = con.execute("SELECT * FROM orders").df()
            self.items = con.execute("SELECT * FROM order_items").df()
            self.customers = con.execute("SELECT * FROM customers").df()
            self.tickets = con.execute("SELECT * FROM support_tickets").df()
            self.forecasts = con.execute("SELECT * FROM inventory_forecasts").df()
        finally:
            con.close()
        for frame in (
            self.sessions,
            self.orders,
            self.items,
            self.customers,
            self.tickets,
            self.forecasts,
        ):
            for column in frame.columns:
                if column.endswith("_date"):
                    frame[column] = pd.to_datetime(frame[column]).dt.date


@pytest.fixture(scope="module")
def demo(demo_warehouse: GeneratedWarehouse) -> Tables:
    return Tables(demo_warehouse)


@pytest.fixture(scope="module")
def quiet(quiet_warehouse: GeneratedWarehouse) -> Iterator[Tables]:
    yield Tables(quiet_warehouse)


def mask(frame: pd.DataFrame, where: dict[str, str]) -> pd.Series:
    m = pd.Series(True, index=frame.index)
    for dim, value in where.items():
        m &= frame[dim] == value
    return m


def between(frame: pd.DataFrame, column: str, start: date, end: date) -> pd.Series:
    return (frame[column] >= start) & (frame[column] < end)


def rate_change(sessions: pd.DataFrame, seg: pd.Series, s: Scenario) -> tuple[float, float]:
    """Relative change window vs the 28 days before, and its z-score."""
    window = sessions[seg & between(sessions, "session_date", s.start, s.end)].converted
    base = sessions[
        seg & between(sessions, "session_date", s.start - timedelta(days=28), s.start)
    ].converted
    rw, rb = window.mean(), base.mean()
    se = math.sqrt(rw * (1 - rw) / len(window) + rb * (1 - rb) / len(base))
    return rw / rb - 1, (rw - rb) / se


def test_quiet_warehouse_records_nothing(quiet_warehouse: GeneratedWarehouse) -> None:
    assert quiet_warehouse.scenarios == ()


def test_conversion_drop_is_where_recorded_and_nowhere_else(
    demo: Tables, quiet: Tables, demo_warehouse: GeneratedWarehouse
) -> None:
    s = demo_warehouse.scenario("conversion_drop")
    assert s.metric == "conversion_rate" and 1 <= len(s.where) <= 3
    assert s.end == demo_warehouse.today
    assert demo_warehouse.today - timedelta(days=7) <= s.start < demo_warehouse.today
    seg = mask(demo.sessions, dict(s.where))
    effect, z = rate_change(demo.sessions, seg, s)
    assert s.effect_size == pytest.approx(effect, abs=1e-6)
    assert s.effect_size < -0.2 and z < -3
    assert s.details["injected"] == pytest.approx(s.effect_size, abs=0.25)
    # every other part of the store converts as before, in the same window
    _, z_rest = rate_change(demo.sessions, ~seg, s)
    assert abs(z_rest) < 3
    for dim, value in s.where.items():
        for other in demo.sessions[dim].unique():
            if other != value:
                _, z_other = rate_change(demo.sessions, demo.sessions[dim] == other, s)
                assert abs(z_other) < 3.5, (dim, other)
    # and without the injection the same segment shows only normal variation
    _, z_quiet = rate_change(quiet.sessions, mask(quiet.sessions, dict(s.where)), s)
    assert abs(z_quiet) < 3


def test_conversion_drop_is_the_top_cause_of_the_weekly_change(
    demo: Tables, demo_warehouse: GeneratedWarehouse
) -> None:
    s = demo_warehouse.scenario("conversion_drop")
    today = demo_warehouse.today
    last = between(demo.sessions, "session_date", today - timedelta(days=7), today)
    prev = between(
        demo.sessions, "session_date", today - timedelta(days=14), today - timedelta(days=7)
    )

    def lost(seg: pd.Series) -> float:
        a, b = demo.sessions[seg & last].converted, demo.sessions[seg & prev].converted
        return (a.mean() - b.mean()) * len(a)

    segment = mask(demo.sessions, dict(s.where))
    injected = lost(segment)
    # no slice of the rest of the store moved as much as the injected segment did
    for dim in ("region", "device", "channel", "customer_type"):
        for value in demo.sessions[dim].unique():
            other = (demo.sessions[dim] == value) & ~segment
            if not other.any():
                continue
            assert abs(lost(other)) < 0.8 * abs(injected), (dim, value)


def test_revenue_anomaly_is_one_day_in_one_segment(
    demo: Tables, demo_warehouse: GeneratedWarehouse
) -> None:
    s = demo_warehouse.scenario("revenue_anomaly")
    drop = demo_warehouse.scenario("conversion_drop")
    today = demo_warehouse.today
    assert s.metric == "revenue" and 1 <= len(s.where) <= 2
    assert s.end - s.start == timedelta(days=1)
    assert today - timedelta(days=14) <= s.start < drop.start

    def ratio_effect(orders: pd.DataFrame, day: date) -> float:
        seg = mask(orders, dict(s.where))
        days = [day - timedelta(days=7 * k) for k in range(5)]
        rows = orders[orders.order_date.isin(days)]
        seg_rows = seg[rows.index]
        on_day = rows.order_date == day
        day_ratio = rows[seg_rows & on_day].revenue.sum() / rows[~seg_rows & on_day].revenue.sum()
        base = rows[seg_rows & ~on_day].revenue.sum() / rows[~seg_rows & ~on_day].revenue.sum()
        return day_ratio / base - 1

    assert s.effect_size == pytest.approx(ratio_effect(demo.orders, s.start), abs=1e-6)
    spike = s.details["direction"] == "spike"
    assert (s.effect_size > 0.3) if spike else (s.effect_size < -0.3)
    assert s.effect_size == pytest.approx(s.details["injected"], abs=0.3)
    assert (s.details["counterfactual_effect"] > 0) == spike  # the injection itself moved it
    # the mechanism touched that segment on that day and nothing else
    with_lines = demo.items
    gross = with_lines.quantity * with_lines.unit_price
    discount_share = 1 - with_lines.revenue / gross
    hit = mask(with_lines, dict(s.where)) & (with_lines.order_date == s.start)
    if spike:
        same_segment = mask(with_lines, dict(s.where)) & ~hit
        assert with_lines[hit].quantity.mean() > 1.15 * with_lines[same_segment].quantity.mean()
    else:
        assert (discount_share[hit] > 0.31).any()
    assert (discount_share[~hit] <= 0.31).all()  # normal coupons go up to 30%


def wape(frame: pd.DataFrame) -> pd.Series:
    error = (frame.forecast_units - frame.actual_units).abs()
    return error.groupby(frame.category).sum() / frame.actual_units.groupby(frame.category).sum()


def test_forecast_bias_makes_one_category_the_worst(
    demo: Tables, demo_warehouse: GeneratedWarehouse
) -> None:
    s = demo_warehouse.scenario("forecast_bias")
    today = demo_warehouse.today
    category = s.where["category"]
    assert s.metric == "forecast_error" and today - timedelta(days=30) <= s.start < today
    f = demo.forecasts
    biased = f[(f.category == category) & between(f, "forecast_date", s.start, s.end)]
    effect = biased.forecast_units.sum() / biased.actual_units.sum() - 1
    assert s.effect_size == pytest.approx(effect, abs=1e-6)
    assert 0.2 <= abs(s.effect_size) <= 0.7
    last_30 = wape(f[between(f, "forecast_date", today - timedelta(days=30), today)])
    assert last_30.idxmax() == category
    # unbiased elsewhere: other categories in the window, and this one before the start
    in_window = f[between(f, "forecast_date", s.start, s.end) & (f.category != category)]
    ratio = (
        in_window.groupby("category").forecast_units.sum()
        / in_window.groupby("category").actual_units.sum()
    )
    assert ((ratio - 1).abs() < 0.12).all()
    before = f[(f.category == category) & (f.forecast_date < s.start)]
    assert abs(before.forecast_units.sum() / before.actual_units.sum() - 1) < 0.1


def test_churn_cohort_stops_buying_after_complaining(
    demo: Tables, demo_warehouse: GeneratedWarehouse
) -> None:
    s = demo_warehouse.scenario("churn_cohort")
    start, end = s.start, s.end
    c = demo.customers
    traits = mask(c, dict(s.where)) & (c.first_order_date < start - timedelta(days=28))
    ids = set(s.details["customer_ids"])
    assert ids == set(c[traits].customer_id) and len(ids) > 100
    assert set(s.where) == {"acquisition_channel", "region"} and s.metric == "customers"

    established = c[c.first_order_date < start - timedelta(days=28)].customer_id
    o = demo.orders[demo.orders.customer_id.isin(established)]
    in_cohort = o.customer_id.isin(ids)
    n_cohort, n_peers = len(ids), len(established) - len(ids)

    def rate(rows: pd.DataFrame, members: int, lo: date, hi: date) -> float:
        return between(rows, "order_date", lo, hi).sum() / (members * (hi - lo).days)

    pre = start - timedelta(days=28)
    cohort = rate(o[in_cohort], n_cohort, pre, start), rate(o[in_cohort], n_cohort, start, end)
    peers = rate(o[~in_cohort], n_peers, pre, start), rate(o[~in_cohort], n_peers, start, end)
    effect = (cohort[1] / cohort[0]) / (peers[1] / peers[0]) - 1
    assert s.effect_size == pytest.approx(effect, abs=1e-6)
    assert s.effect_size < -0.5
    late = rate(o[in_cohort], n_cohort, end - timedelta(days=21), end)
    assert late < 0.25 * cohort[0]  # nearly gone by the end

    t = demo.tickets
    mine = t[t.customer_id.isin(ids)]
    calm = between(mine, "created_date", start - timedelta(days=49), start - timedelta(days=21))
    angry = between(mine, "created_date", start - timedelta(days=21), start + timedelta(days=7))
    assert angry.sum() > 5 * max(calm.sum(), 1)
    others = t[~t.customer_id.isin(ids)]
    assert mine[angry].satisfaction.mean() < others.satisfaction.mean() - 1


def test_background_churners_exist_outside_the_cohort(
    demo: Tables, demo_warehouse: GeneratedWarehouse
) -> None:
    ids = set(demo_warehouse.scenario("churn_cohort").details["customer_ids"])
    today = demo_warehouse.today
    o = demo.orders[~demo.orders.customer_id.isin(ids)]
    first_half = o[o.order_date < today - timedelta(days=60)].customer_id.unique()
    later = set(o[o.order_date >= today - timedelta(days=60)].customer_id)
    gone = sum(1 for cid in first_half if cid not in later)
    assert gone > 0.3 * len(first_half)  # many one-off buyers and lapsed customers
