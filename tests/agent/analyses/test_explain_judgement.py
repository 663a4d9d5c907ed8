"""Root causes that name what changed: broad moves, funnel steps, volume, offsets (issue 11).

The warehouse checks compare with hand-written SQL on the session's demo warehouse (seed 7,
today 2025-12-15: payments fail in the Southeast from Dec 9, at every device and channel).
"""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from agent.analyses import AnalysisContext
from agent.analyses.explain import explain
from agent.analyses.explain.verdict import SEGMENT_ALPHA, Against, explain_leaves
from agent.analyses.rca.departure import DEPTH_PRIOR, MIN_EVENTS
from agent.config import REPO_ROOT
from agent.demo_data import GeneratedWarehouse
from agent.domain import Finding, Goal, Intent, Window
from agent.errors import ConfigError
from agent.semantic import parse_semantic
from tests.conftest import TODAY

CURRENT = Window(start=TODAY - timedelta(days=7), end=TODAY)
BASELINE = Window(start=TODAY - timedelta(days=14), end=TODAY - timedelta(days=7))
SEARCHED = ("device", "channel", "customer_type", "landing_category")
PAIR = ("numerator", "denominator")


@pytest.fixture(scope="module")
def southeast(ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse) -> Finding:
    assert demo_warehouse.scenario("conversion_drop").where == {"region": "Southeast"}
    goal = Goal(intent=Intent.EXPLAIN, metric="conversion_rate", filters={"region": "Southeast"})
    (finding,) = explain(goal, ctx)
    return finding


def _sql(demo_warehouse: GeneratedWarehouse, sql: str, *params: object) -> pd.DataFrame:
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def test_a_drop_that_hit_every_segment_alike_is_called_broad(
    southeast: Finding, demo_warehouse: GeneratedWarehouse
) -> None:
    assert not southeast.facts["within_noise"] and not southeast.root_causes
    assert "The move is broad: every device, channel, customer type and landing category" in (
        southeast.summary
    )
    # Hand check: every value's relative change (values with enough conversions) in range.
    rows = []
    for dim in SEARCHED:
        frame = _sql(
            demo_warehouse,
            f"SELECT {dim} AS value, "
            "SUM(CASE WHEN session_date < ? THEN converted::INT END) AS nb, "
            "COUNT(CASE WHEN session_date < ? THEN 1 END) AS db, "
            "SUM(CASE WHEN session_date >= ? THEN converted::INT END) AS nc, "
            "COUNT(CASE WHEN session_date >= ? THEN 1 END) AS dc "
            "FROM sessions WHERE region = 'Southeast' AND session_date >= ? AND session_date < ? "
            "GROUP BY 1",
            CURRENT.start,
            CURRENT.start,
            CURRENT.start,
            CURRENT.start,
            BASELINE.start,
            CURRENT.end,
        )
        frame = frame[frame.nb + frame.nc >= MIN_EVENTS]
        rows += list((frame.nc / frame.dc) / (frame.nb / frame.db) - 1)
    broad = southeast.facts["broad"]
    assert broad["low"] == pytest.approx(min(rows)) and broad["high"] == pytest.approx(max(rows))
    assert max(rows) < 0  # every one of them fell
    assert f"fell {abs(max(rows)) * 100:.0f}–{abs(min(rows)):.0%}" in southeast.summary


def test_the_funnel_names_the_step_that_broke_with_its_counts(
    southeast: Finding, demo_warehouse: GeneratedWarehouse
) -> None:
    counts = _sql(
        demo_warehouse,
        "SELECT session_date >= ? AS cur, COUNT(*) AS sessions, "
        "SUM(added_to_cart::INT) AS carts, SUM(checkout_started::INT) AS checkouts, "
        "SUM(converted::INT) AS orders FROM sessions "
        "WHERE region = 'Southeast' AND session_date >= ? AND session_date < ? GROUP BY 1",
        CURRENT.start,
        BASELINE.start,
        CURRENT.end,
    ).set_index("cur")
    base, cur = counts.loc[False].astype(int), counts.loc[True].astype(int)
    steps = {s["step"]: s for s in southeast.facts["funnel"]["steps"]}
    pay = steps["checkout → purchase"]
    assert (pay["baseline"]["from"], pay["baseline"]["to"]) == (base.checkouts, base.orders)
    assert (pay["current"]["from"], pay["current"]["to"]) == (cur.checkouts, cur.orders)
    assert not pay["held"] and pay["share_of_change"] > 0.8
    assert steps["session → add to cart"]["held"] and steps["add to cart → checkout"]["held"]
    rate_b, rate_c = base.orders / base.checkouts, cur.orders / cur.checkouts
    assert (
        f"checkout → purchase fell from {rate_b:.1%} ({base.orders:,} of {base.checkouts:,}) "
        f"to {rate_c:.1%} ({cur.orders:,} of {cur.checkouts:,})"
    ) in southeast.summary
    assert "add to cart → checkout" in southeast.summary and "held." in southeast.summary


def test_asked_without_a_filter_the_region_is_named_with_its_sample_sizes(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse
) -> None:
    (finding,) = explain(Goal(intent=Intent.EXPLAIN, metric="conversion_rate"), ctx)
    assert finding.facts["top_cause"] == {"region": "Southeast"}
    test = finding.facts["segment_tests"]["region=Southeast"]
    hand = _sql(
        demo_warehouse,
        "SELECT session_date >= ? AS cur, SUM(converted::INT) AS n, COUNT(*) AS d "
        "FROM sessions WHERE region = 'Southeast' AND session_date >= ? AND session_date < ? "
        "GROUP BY 1",
        CURRENT.start,
        BASELINE.start,
        CURRENT.end,
    ).set_index("cur")
    b, c = hand.loc[False].astype(int), hand.loc[True].astype(int)
    assert test["counts"] == [b.n, b.d, c.n, c.d]
    assert f"{b.n:,} of {b.d:,} → {c.n:,} of {c.d:,}" in finding.summary
    assert test["p"] < test["limit"] and test["z"] < 0


def _cells(rng: np.random.Generator) -> pd.DataFrame:
    rows = list(itertools.product(["a", "b", "c", "d"], ["x", "y", "z"]))
    df = pd.DataFrame(rows, columns=["one", "two"])
    for period in ("base", "cur"):
        df[f"denominator_{period}"] = 20000.0
        df[f"numerator_{period}"] = rng.binomial(20000, 0.04, len(df)).astype(float)
    return df


def test_a_three_to_twelve_cell_is_not_beyond_noise() -> None:
    df = _cells(np.random.default_rng(5))
    df = pd.concat(
        [
            df,
            pd.DataFrame(
                [["e", "x", 3.0, 150.0, 12.0, 150.0]],
                columns=[
                    "one",
                    "two",
                    "numerator_base",
                    "denominator_base",
                    "numerator_cur",
                    "denominator_cur",
                ],
            ),
        ],
        ignore_index=True,
    )
    judged = explain_leaves(df, ("one", "two"), PAIR, against=Against.PERIODS, proportion=True)
    assert not judged.result.root_causes and judged.result.within_noise


def test_the_threshold_is_corrected_for_every_segment_tested() -> None:
    df = _cells(np.random.default_rng(6))
    hit = df.one == "b"
    df.loc[hit, "numerator_cur"] = np.round(df.loc[hit, "numerator_cur"] * 0.6)
    result = explain_leaves(
        df, ("one", "two"), PAIR, against=Against.PERIODS, proportion=True
    ).result
    assert [dict(rc.where) for rc in result.root_causes] == [{"one": "b"}]
    test = result.tests["one=b"]
    # The reason is a sentence: the segment is named as a reader says it, not as its key.
    assert "; b moved -" in result.noise_reason and "one=b" not in result.noise_reason
    # 4 + 3 one-dimension segments at weight 1, 12 two-dimension ones at 1/DEPTH_PRIOR.
    assert test.tested == 19
    assert test.limit == pytest.approx(SEGMENT_ALPHA / (7 + 12 / DEPTH_PRIOR))
    assert test.change == pytest.approx(
        df.loc[hit, "numerator_cur"].sum() / df.loc[hit, "numerator_base"].sum() - 1
    )


def test_a_flat_total_shows_the_large_moves_that_offset_each_other() -> None:
    rng = np.random.default_rng(9)
    regions = ["NE", "SE", "MW", "SW", "W"]
    df = pd.DataFrame(list(itertools.product(regions, range(8))), columns=["region", "store"])
    df["store"] = df["store"].astype(str)
    df["value_base"] = rng.normal(5000, 50, len(df)).round(2)
    df["value_cur"] = (df["value_base"] * rng.normal(1, 0.01, len(df))).round(2)
    df.loc[df.region == "NE", "value_cur"] += 13000 / 8
    df.loc[df.region == "W", "value_cur"] -= 12000 / 8
    history = (0.01, -0.02, 0.015, -0.01, 0.005, 0.02)
    result = explain_leaves(
        df, ("region", "store"), ("value",), against=Against.PERIODS, history=history
    ).result
    assert result.within_noise or result.root_causes
    moved = {rc.where.get("region"): rc.change for rc in (*result.root_causes, *result.offsets)}
    ne = df[df.region == "NE"]
    w = df[df.region == "W"]
    assert moved["NE"] == pytest.approx(ne.value_cur.sum() - ne.value_base.sum())
    assert moved["W"] == pytest.approx(w.value_cur.sum() - w.value_base.sum())


def test_a_funnel_step_that_is_not_a_count_is_reported_with_its_location() -> None:
    raw = yaml.safe_load((REPO_ROOT / "semantic.yml").read_text())
    assert parse_semantic(raw).funnel_for("conversion_rate") is not None
    bad = copy.deepcopy(raw)
    bad["funnels"]["purchase"]["steps"][1] = {"measure": "nope"}
    bad["funnels"]["other"] = {"table": "orders", "steps": ["revenue", "customers"]}
    with pytest.raises(ConfigError) as caught:
        parse_semantic(bad)
    text = str(caught.value)
    assert "funnels.purchase.steps[1]: unknown measure 'nope'" in text
    assert "funnels.other.steps[1]: 'customers' is a count_distinct" in text
