"""Revenue explained as orders × average order value, with the largest orders, against hand SQL.

The demo's revenue anomaly is a one-day spike in one region; the numbers below come from
plain SQL on the generated warehouse, not from Scout's compiler.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta

import duckdb
import pytest

from agent.analyses import AnalysisContext
from agent.analyses.explain import explain
from agent.analyses.explain.count_value import (
    BigRow,
    CountValueSplit,
    average_metric_of,
    count_value_split,
)
from agent.demo_data import GeneratedWarehouse
from agent.domain import Finding, Goal, Intent, Window
from agent.semantic import load_semantic


def _orders_sql(
    warehouse: GeneratedWarehouse, where: Mapping[str, str], day: Window
) -> tuple[int, float, list[tuple[str, float]]]:
    """(orders, revenue, the 3 largest orders) of one region and window, by hand."""
    ((dim, value),) = where.items()
    assert dim == "region"
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        n, total = con.execute(
            "SELECT COUNT(*), SUM(revenue) FROM orders "
            "WHERE region = ? AND order_date >= ? AND order_date < ?",
            [value, day.start, day.end],
        ).fetchone()  # type: ignore[misc]
        top = con.execute(
            "SELECT order_id, revenue FROM orders "
            "WHERE region = ? AND order_date >= ? AND order_date < ? "
            "ORDER BY revenue DESC, order_id LIMIT 3",
            [value, day.start, day.end],
        ).fetchall()
    return int(n), float(total), [(str(k), float(v)) for k, v in top]


def _explain(ctx: AnalysisContext, where: Mapping[str, str], cur: Window, base: Window) -> Finding:
    goal = Goal(intent=Intent.EXPLAIN, metric="revenue", filters=where, window=cur, baseline=base)
    (finding,) = explain(goal, ctx)
    return finding


@pytest.fixture(scope="module")
def spike(demo_warehouse: GeneratedWarehouse) -> tuple[dict[str, str], Window, Window]:
    truth = demo_warehouse.scenario("revenue_anomaly")
    day = Window(start=truth.start, end=truth.start + timedelta(days=1))
    return dict(truth.where), day, day.shifted(-7)


def test_a_spike_splits_into_orders_and_order_value_as_sql_says(
    ctx: AnalysisContext,
    demo_warehouse: GeneratedWarehouse,
    spike: tuple[dict[str, str], Window, Window],
) -> None:
    where, day, week_before = spike
    n1, r1, top = _orders_sql(demo_warehouse, where, day)
    n0, r0, _ = _orders_sql(demo_warehouse, where, week_before)
    assert r1 > r0  # the recorded spike
    finding = _explain(ctx, where, day, week_before)
    split = finding.facts["count_value"]
    assert (split["count"]["baseline"], split["count"]["current"]) == (n0, n1)
    a0, a1 = r0 / n0, r1 / n1
    assert split["average"]["baseline"] == pytest.approx(a0, rel=1e-9)
    assert split["average"]["current"] == pytest.approx(a1, rel=1e-9)
    # Each effect at the mean of the other factor: together exactly the change.
    assert split["count_effect"] == pytest.approx((n1 - n0) * (a0 + a1) / 2, rel=1e-9)
    assert split["average_effect"] == pytest.approx((a1 - a0) * (n0 + n1) / 2, rel=1e-9)
    assert split["count_effect"] + split["average_effect"] == pytest.approx(r1 - r0, rel=1e-9)
    # The rise's largest orders are the day's, each worth what it holds above last week's
    # average order.
    assert [(o["id"], o["value"]) for o in split["largest"]] == [
        (k, pytest.approx(v, abs=1e-9)) for k, v in top
    ]
    for order, (_, value) in zip(split["largest"], top, strict=True):
        assert order["share_of_change"] == pytest.approx((value - a0) / (r1 - r0), rel=1e-9)
    text = finding.summary
    assert "the average order value" in text and "the number of orders" in text
    assert all(key in text for key, _ in top)
    assert any(e.description.startswith("Largest orders") for e in finding.evidence)


def test_a_fall_is_carried_by_the_earlier_periods_largest_orders(
    ctx: AnalysisContext,
    demo_warehouse: GeneratedWarehouse,
    spike: tuple[dict[str, str], Window, Window],
) -> None:
    where, day, _ = spike
    after = day.shifted(7)
    _, r0, top = _orders_sql(demo_warehouse, where, day)
    n1, r1, _ = _orders_sql(demo_warehouse, where, after)
    assert r1 < r0
    split = _explain(ctx, where, after, day).facts["count_value"]
    assert split["largest_in"] == f"on {day.describe()}"
    assert [o["id"] for o in split["largest"]] == [k for k, _ in top]
    first = split["largest"][0]
    assert first["share_of_change"] == pytest.approx((top[0][1] - r1 / n1) / (r0 - r1), rel=1e-9)


def test_only_sums_with_a_declared_average_split(ctx: AnalysisContext) -> None:
    layer = ctx.layer
    average = average_metric_of(layer, "revenue")
    assert average is not None and average.name == "aov"
    # Orders is the count itself; units sold has no declared per-row average; a rate is a rate.
    assert [average_metric_of(layer, m) for m in ("orders", "units_sold", "aov")] == [None] * 3


def test_without_an_order_entity_there_is_no_list(
    ctx: AnalysisContext, spike: tuple[dict[str, str], Window, Window]
) -> None:
    where, day, before = spike
    bare = dataclasses.replace(
        ctx.layer, entities={k: v for k, v in ctx.layer.entities.items() if k != "order"}
    )
    split = count_value_split(dataclasses.replace(ctx, layer=bare), "revenue", where, day, before)
    assert split is not None and split.largest == () and split.change > 0


def test_a_few_large_orders_are_said_to_explain_it() -> None:
    layer = load_semantic()
    split = CountValueSplit(
        metric="revenue",
        count_label="orders",
        average_metric="aov",
        count=(100, 102),
        total=(10_000.0, 22_000.0),
        largest=(
            BigRow(key="O1", value=9_100.0, share=(9_100 - 100) / 12_000),
            BigRow(key="O2", value=2_100.0, share=(2_100 - 100) / 12_000),
            BigRow(key="O3", value=300.0, share=(300 - 100) / 12_000),
        ),
        largest_in="on Wed Dec 3, 2025",
    )
    assert split.few_explain()
    text = split.text(layer)
    assert "A few orders explain it, on Wed Dec 3, 2025: O1 $9,100 (75% of the rise)" in text
    spread = dataclasses.replace(
        split, largest=tuple(dataclasses.replace(r, share=0.05) for r in split.largest)
    )
    assert not spread.few_explain()
    assert "No handful of orders explains it" in spread.text(layer)


def test_offsetting_moves_are_told_as_moves_not_as_shares_of_the_remainder() -> None:
    """Jun 1 (seed 58): 292 → 339 orders, $114 → $97 a basket, revenue −$229. The baskets took
    about −$5,200 and the orders added about +$5,000; "2267% of the change" and "a few orders
    explain it (196% of the fall)" were shares of a remainder any large order exceeds."""
    split = CountValueSplit(
        metric="revenue",
        count_label="orders",
        average_metric="aov",
        count=(292.0, 339.0),
        total=(33_222.0, 32_993.0),
        largest=(
            BigRow(key="O1", value=546.0, share=1.96),
            BigRow(key="O2", value=479.0, share=1.67),
        ),
        largest_in="on Mon May 25, 2026",
    )
    assert split.offsetting and not split.few_explain()
    text = split.text(load_semantic())
    assert text.startswith("The -$229 is what is left of two larger moves that offset:")
    assert "%" not in text and "O1" not in text
    # A move the count and the baskets make together keeps its shares and its largest orders.
    together = dataclasses.replace(split, count=(339.0, 292.0), total=(40_000.0, 30_000.0))
    assert not together.offsetting and "O1 $546" in together.text(load_semantic())
