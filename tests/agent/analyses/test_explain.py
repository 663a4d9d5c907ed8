"""explain on the demo warehouse: the recorded cause is found, numbers match pandas, quiet is quiet."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.analyses.explain import explain
from agent.analyses.explain.verdict import Against, explain_leaves
from agent.demo_data import GeneratedWarehouse
from agent.domain import Finding, Goal, Intent, Window
from agent.errors import UserError
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse
from tests.conftest import TODAY

CURRENT = Window(start=TODAY - timedelta(days=7), end=TODAY)
BASELINE = Window(start=TODAY - timedelta(days=14), end=TODAY - timedelta(days=7))


def _ask(ctx: AnalysisContext, metric: str, **kw: object) -> Finding:
    (finding,) = explain(Goal(intent=Intent.EXPLAIN, metric=metric, **kw), ctx)  # type: ignore[arg-type]
    return finding


def _rate(sessions: pd.DataFrame, window: Window, where: Mapping[str, str]) -> float:
    rows = sessions[
        (sessions.session_date >= pd.Timestamp(window.start))
        & (sessions.session_date < pd.Timestamp(window.end))
    ]
    for dim, value in where.items():
        rows = rows[rows[dim] == value]
    return float(rows.converted.mean())


@pytest.fixture(scope="module")
def sessions(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = raw["sessions"].copy()
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    return frame


@pytest.fixture(scope="module")
def drop_finding(ctx: AnalysisContext) -> Finding:
    return _ask(ctx, "conversion_rate")


def test_the_injected_conversion_drop_is_the_top_root_cause(
    drop_finding: Finding, demo_warehouse: GeneratedWarehouse
) -> None:
    truth = demo_warehouse.scenario("conversion_drop")
    assert truth.start >= CURRENT.start - timedelta(days=2)  # (may start mid-window)
    assert not drop_finding.facts["within_noise"]
    assert dict(drop_finding.root_causes[0].where) == dict(truth.where)
    assert drop_finding.facts["top_cause"] == dict(truth.where)
    assert drop_finding.facts["direction"] == "down"
    assert "fell" in drop_finding.summary and "rate effect" in drop_finding.summary


def test_numbers_match_pandas_on_raw_sessions(
    drop_finding: Finding, sessions: pd.DataFrame
) -> None:
    assert drop_finding.facts["value"] == pytest.approx(_rate(sessions, CURRENT, {}), abs=1e-12)
    assert drop_finding.facts["baseline"] == pytest.approx(_rate(sessions, BASELINE, {}), abs=1e-12)
    for rc in drop_finding.root_causes:
        assert rc.baseline == pytest.approx(_rate(sessions, BASELINE, rc.where), abs=1e-12)
        assert rc.current == pytest.approx(_rate(sessions, CURRENT, rc.where), abs=1e-12)


def test_rate_and_mix_effects_add_up_to_each_contribution(drop_finding: Finding) -> None:
    change = drop_finding.facts["change"]
    for rc in drop_finding.root_causes:
        assert rc.rate_effect is not None and rc.mix_effect is not None
        assert rc.explains * change == pytest.approx(rc.rate_effect + rc.mix_effect, abs=1e-12)
    top = drop_finding.root_causes[0]
    assert abs(top.rate_effect or 0) > 5 * abs(top.mix_effect or 0)  # payments failed: rate


def test_evidence_table_and_a_waterfall_that_adds_up(drop_finding: Finding) -> None:
    # Leaves of both windows and history, then the funnel's step counts of both windows.
    assert len(drop_finding.evidence) == 5
    assert all("GROUP BY" in e.sql.upper() for e in drop_finding.evidence[:3])
    assert all("checkout_started" in e.sql for e in drop_finding.evidence[3:])
    chart = drop_finding.chart
    assert chart is not None and chart.kind == "waterfall"
    y = chart.series[0].y
    assert y[0] == pytest.approx(drop_finding.facts["baseline"])
    assert y[-1] == pytest.approx(drop_finding.facts["value"])
    assert sum(v for v in y[1:-1] if v is not None) == pytest.approx(
        drop_finding.facts["change"], abs=1e-12
    )
    assert drop_finding.table is not None and "rate_effect" in drop_finding.table.columns
    assert 0 < drop_finding.confidence <= 1


def test_a_filter_searches_the_other_dimensions_inside_it(
    ctx: AnalysisContext, demo_warehouse: GeneratedWarehouse, sessions: pd.DataFrame
) -> None:
    truth = dict(demo_warehouse.scenario("conversion_drop").where)
    first, *rest = truth.items()
    finding = _ask(ctx, "conversion_rate", filters=dict([first]))
    assert first[0] not in finding.facts["dimensions_searched"]
    assert not finding.facts["within_noise"]
    inside = dict([first])
    assert finding.facts["value"] == pytest.approx(_rate(sessions, CURRENT, inside), abs=1e-12)
    if rest:
        assert finding.facts["top_cause"] == dict(rest)
    else:
        # The whole filtered population dropped: no sub-segment takes the blame for all of it.
        assert finding.facts["relative_change"] < -0.2
        assert all(rc.explains < 0.95 for rc in finding.root_causes)
    for rc in finding.root_causes:
        where = inside | dict(rc.where)
        assert rc.current == pytest.approx(_rate(sessions, CURRENT, where), abs=1e-12)


def test_group_by_restricts_the_search(ctx: AnalysisContext) -> None:
    finding = _ask(ctx, "conversion_rate", group_by=("device", "channel"))
    assert finding.facts["dimensions_searched"] == ["device", "channel"]
    assert all(set(rc.where) <= {"device", "channel"} for rc in finding.root_causes)


@pytest.fixture(scope="module")
def quiet_ctx(quiet_warehouse: GeneratedWarehouse) -> Iterator[AnalysisContext]:
    warehouse = DuckDBWarehouse(quiet_warehouse.path)
    yield AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY)
    warehouse.close()


def test_quiet_data_is_within_normal_variation_and_names_no_cause(
    quiet_ctx: AnalysisContext,
) -> None:
    finding = run_goal(Goal(intent=Intent.EXPLAIN, metric="conversion_rate"), quiet_ctx)[0]
    assert finding.facts["within_noise"] is True
    assert finding.root_causes == () and finding.facts["top_cause"] is None
    assert "within normal variation" in finding.summary
    assert finding.facts["history_periods"] >= 8


def test_additive_metric_causes_match_pandas_and_explain_at_most_all(
    ctx: AnalysisContext, raw: dict[str, pd.DataFrame]
) -> None:
    finding = _ask(ctx, "revenue")
    orders = raw["orders"].assign(order_date=pd.to_datetime(raw["orders"]["order_date"]))

    def revenue(window: Window, where: Mapping[str, str]) -> float:
        rows = orders[
            (orders.order_date >= pd.Timestamp(window.start))
            & (orders.order_date < pd.Timestamp(window.end))
        ]
        for dim, value in where.items():
            rows = rows[rows[dim] == value]
        return float(rows.revenue.sum())

    assert finding.facts["value"] == pytest.approx(revenue(CURRENT, {}), rel=1e-9)
    assert finding.facts["baseline"] == pytest.approx(revenue(BASELINE, {}), rel=1e-9)
    assert finding.root_causes, finding.summary
    assert sum(rc.explains for rc in finding.root_causes) <= 1.0 + 1e-9
    for rc in finding.root_causes:
        assert rc.explains > 0
        assert rc.baseline == pytest.approx(revenue(BASELINE, rc.where), rel=1e-9)
        assert rc.current == pytest.approx(revenue(CURRENT, rc.where), rel=1e-9)
        assert rc.rate_effect is None
        assert rc.explains == pytest.approx(
            (rc.current - rc.baseline) / finding.facts["change"], rel=1e-9
        )


def test_no_data_and_bad_requests_are_friendly(ctx: AnalysisContext) -> None:
    old = Window(start=TODAY - timedelta(days=2000), end=TODAY - timedelta(days=1993))
    finding = _ask(ctx, "conversion_rate", window=old)
    assert finding.kind == "no_data" and not finding.root_causes
    with pytest.raises(UserError, match="can't be split by"):
        _ask(ctx, "conversion_rate", group_by=("category",))
    assert not math.isnan(_ask(ctx, "aov").facts["value"])


def _scan_leaves(drop: bool) -> pd.DataFrame:
    """Numerator/denominator leaves where one 2-dim corner falls and its siblings offset it."""
    rng = np.random.default_rng(7)
    rows = list(itertools.product(["NE", "S", "W"], ["m", "d", "t"], ["a", "b", "c", "d"]))
    df = pd.DataFrame(rows, columns=["region", "device", "channel"])
    for period in ("base", "cur"):
        df[f"denominator_{period}"] = rng.integers(3000, 5000, len(df)).astype(float)
        df[f"numerator_{period}"] = rng.binomial(
            df[f"denominator_{period}"].astype(int), 0.04
        ).astype(float)
    if drop:
        corner = (df.device == "d") & (df.channel == "b")
        df.loc[corner, "numerator_cur"] = np.round(df.loc[corner, "numerator_cur"] * 0.55)
        others = (df.device == "m") & (df.channel == "a")
        df.loc[others, "numerator_cur"] = np.round(df.loc[others, "numerator_cur"] * 1.3)
    return df


def test_a_scan_names_a_corner_that_fell_while_the_total_did_not() -> None:
    dims = ("region", "device", "channel")
    pair = ("numerator", "denominator")
    quiet = explain_leaves(
        _scan_leaves(drop=False), dims, pair, against=Against.PERIODS, proportion=True
    )
    assert quiet.result.within_noise and not quiet.result.root_causes
    judged = explain_leaves(
        _scan_leaves(drop=True), dims, pair, against=Against.PERIODS, proportion=True
    )
    found = judged.result
    assert judged.local and found.root_causes[0].where == {"device": "d", "channel": "b"}
    test = found.tests["channel=b, device=d"]
    # Hand check: the corner's own counts and its rest's, from the leaves.
    leaves = _scan_leaves(drop=True)
    corner = (leaves.device == "d") & (leaves.channel == "b")
    assert test.counts == tuple(
        float(leaves.loc[corner, c].sum())
        for c in ("numerator_base", "denominator_base", "numerator_cur", "denominator_cur")
    )
    assert test.z < 0 and test.p < test.limit < 0.01
    # The corner's siblings that rose are shown as moving against it, not hidden.
    assert all(rc.current > rc.baseline for rc in found.offsets)
