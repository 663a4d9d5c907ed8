"""A cohort's fall raises its members' churn probability: p becomes p^ρ."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from agent.churn.cohorts import Cohort, SignalMove
from agent.churn.pull import MEMBER, activity_ratio, member_words, pulled
from agent.demo_data import GeneratedWarehouse
from bot.cli import main
from tests.agent.churn.conftest import altered_copy, load_json


def _move(
    signal: str, before: float, since: float, rest_before: float, rest_since: float
) -> SignalMove:
    return SignalMove(
        signal=signal,
        start=date(2026, 10, 21),
        baseline_days=84,
        before=before,
        since=since,
        rest_before=rest_before,
        rest_since=rest_since,
        z=-9.0 if since < before else 9.0,
    )


def _cohort(*moves: SignalMove) -> Cohort:
    return Cohort(
        where={"region": "Northeast", "acquisition_channel": "direct"},
        customers=539,
        since=date(2026, 10, 21),
        moves=moves,
        score=81.0,
    )


def test_the_ratio_is_the_smaller_fall_against_everyone_else() -> None:
    cohort = _cohort(
        _move("orders", 0.02, 0.005, 0.02, 0.018),  # 0.25 of before; everyone else 0.9
        _move("sessions", 0.10, 0.04, 0.10, 0.10),  # 0.4; everyone else flat
        _move("tickets", 0.001, 0.02, 0.001, 0.001),  # tickets never set the ratio
    )
    assert activity_ratio(cohort) == pytest.approx(0.4)
    assert member_words(cohort) == (
        "one of the Northeast customers acquired via direct (539 customers), whose orders −75% "
        "and visits −60% per customer since Oct 21 against the 84 days before (everyone "
        "else: −10% and +0%)"
    )
    # A group whose only move is support tickets has no activity fall to score with.
    assert activity_ratio(_cohort(_move("tickets", 0.001, 0.02, 0.001, 0.001))) is None


def test_a_fall_raises_the_probability_and_no_fall_leaves_it() -> None:
    p = np.array([0.1, 0.3, 0.6, np.nan])
    # Under a steady rate, no order or visit in the window has probability exp(−λW); at
    # 0.4 of the rate it is exp(−0.4λW).
    rate_w = -np.log(p[:3])
    assert pulled(p, np.full(4, 0.4))[:3] == pytest.approx(np.exp(-0.4 * rate_w))
    assert np.all(pulled(p, np.full(4, 0.4))[:3] > p[:3])
    assert pulled(p, np.ones(4))[:3] == pytest.approx(p[:3])
    assert np.isnan(pulled(p, np.ones(4))[3])


@pytest.fixture(scope="module")
def no_regions(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo warehouse with the customer table's region column dropped."""
    return altered_copy(
        demo_warehouse.path,
        tmp_path_factory.mktemp("no-regions") / "warehouse.duckdb",
        "ALTER TABLE customers DROP COLUMN region",
    )


def test_a_store_without_regions_still_gets_its_churn_answer(
    demo_warehouse: GeneratedWarehouse, no_regions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No region column: no groups to find, so no cohort and no pull, and the answer
    (training, its backtest and the list) stands rather than failing on the missing column."""
    code = main(
        ["churn", "--warehouse", str(no_regions), "--today", demo_warehouse.today.isoformat(),
         "--top", "20", "--json"]
    )  # fmt: skip
    assert code == 0
    answer = load_json(capsys.readouterr().out)
    assert answer["overview"]["cohorts"] == []
    assert answer["overview"]["flagged_in_cohort"] == 0
    assert len(answer["profiles"]) == 20
    assert not any(r.startswith(MEMBER) for p in answer["profiles"] for r in p["risk_factors"])


def test_a_region_asked_of_a_store_without_regions_is_said_not_failed(
    demo_warehouse: GeneratedWarehouse,
    no_regions: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ "At risk in the West" where customers have no region: everyone's list, said first,
    and nothing proposed for customers who may not be in the West."""
    code = main(
        ["ask", "which customers in the West are at risk of churning?", "--json", "--today",
         demo_warehouse.today.isoformat(), "--warehouse", str(no_regions), "--memory",
         str(tmp_path / "m.sqlite3")]
    )  # fmt: skip
    assert code == 0
    answer = load_json(capsys.readouterr().out)
    (finding,) = answer["findings"]
    assert finding["summary"].startswith(
        "This list covers every customer: the customer table has no column to tell customers "
        "in the West apart, so no action is proposed."
    )
    assert finding["proposed_actions"] == [] and answer["actions"] == []
