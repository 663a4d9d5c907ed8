"""A "why" without a period compares from where the move began; a stated period is kept.

Truth: the generator's recorded start of the conversion drop, and rates computed with pandas
on the raw sessions over the windows that start implies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta

import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.demo_data import GeneratedWarehouse
from agent.domain import Finding, Goal, Window
from agent.semantic import load_semantic
from agent.understand import understand
from agent.warehouse import DuckDBWarehouse
from tests.conftest import TODAY


def _rate(sessions: pd.DataFrame, window: Window, where: Mapping[str, str]) -> float:
    day = pd.to_datetime(sessions.session_date)
    rows = sessions[(day >= pd.Timestamp(window.start)) & (day < pd.Timestamp(window.end))]
    for dim, value in where.items():
        rows = rows[rows[dim] == value]
    return float(rows.converted.mean())


def _explain(ctx: AnalysisContext, text: str) -> tuple[Goal, Finding]:
    goal = understand(text, layer=ctx.layer, today=ctx.today)
    (finding,) = run_goal(goal, ctx)
    return goal, finding


@pytest.fixture(scope="module")
def drop(demo_warehouse: GeneratedWarehouse) -> tuple[dict[str, str], Window, Window]:
    """The injected drop's segment, the days since it began, the same weekdays a week before."""
    truth = demo_warehouse.scenario("conversion_drop")
    # The fixture's drop began inside the last week: the default window would dilute it.
    assert TODAY - timedelta(days=7) < truth.start < TODAY - timedelta(days=1)
    since = Window(start=truth.start, end=TODAY)
    return dict(truth.where), since, since.shifted(-7)


def test_no_period_compares_the_days_since_the_move_began(
    ctx: AnalysisContext, drop: tuple[dict[str, str], Window, Window], raw: dict[str, pd.DataFrame]
) -> None:
    where, since, before = drop
    ((dim, value),) = where.items()
    goal, finding = _explain(ctx, f"why did conversion drop in the {value}?")
    assert goal.filters == {dim: value} and not goal.window_stated
    onset = finding.facts["onset"]
    assert onset["start"] == since.start.isoformat() and onset["days"] == since.days
    assert onset["baseline"] == before.to_json() and onset["z"] < 0
    assert finding.facts["window"] == since.describe()
    assert finding.facts["baseline_window"] == before.describe()
    sessions = raw["sessions"]
    assert finding.facts["value"] == pytest.approx(_rate(sessions, since, where), abs=1e-12)
    assert finding.facts["baseline"] == pytest.approx(_rate(sessions, before, where), abs=1e-12)
    day = f"{since.start:%a %b %-d}"
    assert f"since {day} ({since.days} days) vs the same days a week earlier" in finding.summary
    assert finding.title.endswith(f"since {day} ({since.days} days)")
    # The daily series it was found in is part of the evidence.
    assert any("per day" in e.description for e in finding.evidence)


def test_a_stated_period_is_kept(ctx: AnalysisContext, drop: tuple[dict, Window, Window]) -> None:
    where, _, _ = drop
    value = next(iter(where.values()))
    goal, finding = _explain(ctx, f"why did conversion drop in the {value} in the last 7 days?")
    assert goal.window_stated and "onset" not in finding.facts
    assert finding.facts["window"] == Window(start=TODAY - timedelta(days=7), end=TODAY).describe()
    named, kept = _explain(ctx, f"why did conversion drop in the {value} vs last year?")
    assert named.window_stated and "onset" not in kept.facts


def test_a_follow_up_keeps_the_threads_choice(ctx: AnalysisContext) -> None:
    first = understand("why did conversion drop?", layer=ctx.layer, today=TODAY)
    follow = understand("what about mobile?", layer=ctx.layer, today=TODAY, context=first)
    assert not first.window_stated and not follow.window_stated
    stated = understand("why did conversion drop last week?", layer=ctx.layer, today=TODAY)
    again = understand("what about mobile?", layer=ctx.layer, today=TODAY, context=stated)
    assert stated.window_stated and again.window_stated
    assert Goal.from_json(first.to_json()).window_stated is False


@pytest.fixture(scope="module")
def quiet_ctx(quiet_warehouse: GeneratedWarehouse) -> Iterator[AnalysisContext]:
    warehouse = DuckDBWarehouse(quiet_warehouse.path)
    yield AnalysisContext(warehouse=warehouse, layer=load_semantic(), today=TODAY)
    warehouse.close()


def test_quiet_data_keeps_the_default_week(
    quiet_ctx: AnalysisContext, drop: tuple[dict, Window, Window]
) -> None:
    """Without an injected move no stretch of days stands out, so nothing is re-windowed."""
    value = next(iter(drop[0].values()))
    for text in ("why did conversion drop?", f"why did conversion drop in the {value}?"):
        goal, finding = _explain(quiet_ctx, text)
        assert not goal.window_stated and "onset" not in finding.facts
        assert finding.facts["within_noise"] and not finding.root_causes
