"""Scoring: the model finds the recorded churn cohort, beats the lesson's rules, is calibrated,
and falls back to rules (saying so) when the history is too short."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from agent.churn.agent import CustomerChurnAgent
from agent.churn.features import data_span
from agent.churn.model import ChurnModel, label_window, labelled_snapshot, train
from agent.churn.rules import ChurnRules
from agent.warehouse import DuckDBWarehouse
from tests.agent.churn.baseline import lesson_rule_scores


def test_model_ranks_the_churn_cohort_first_and_beats_the_lesson_rules(
    churn_agent: CustomerChurnAgent, cohort_ids: frozenset[str]
) -> None:
    # Every repeat buyer the model scores, the lapsed included: most of the cohort has gone
    # quiet past its own churn line by today, so the list (not yet lapsed) holds few of them.
    frame = churn_agent.scores().frame
    scored = frame[frame["population"] == "repeat"]
    member = scored.index.isin(cohort_ids)
    assert member.sum() >= 30  # enough cohort members among repeat buyers to measure
    model_auc = roc_auc_score(member, scored["probability"])
    lesson_auc = roc_auc_score(member, lesson_rule_scores(scored))
    assert churn_agent.model.kind == "model"
    assert model_auc > 0.8
    assert model_auc > lesson_auc + 0.05


def test_probabilities_are_calibrated_better_than_the_base_rate(churn_model: ChurnModel) -> None:
    report = churn_model.report
    assert len(report.snapshots) >= 2
    assert report.holdout_brier is not None and report.base_rate_brier is not None
    assert report.holdout_brier < report.base_rate_brier
    assert report.holdout_auc is not None and report.holdout_auc > 0.55


def test_probabilities_lie_in_the_unit_interval(churn_agent: CustomerChurnAgent) -> None:
    p = churn_agent.ranked()["probability"].to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    assert p.std() > 0.01  # a real ranking, not one number for everyone
    second = churn_agent.first_time_buyers()["second_purchase"].to_numpy()
    assert np.all((second >= 0) & (second <= 1))
    # Only repeat buyers carry a churn probability.
    frame = churn_agent.scores().frame
    assert frame.loc[frame["population"] != "repeat", "probability"].isna().all()


def test_short_history_falls_back_to_rules_and_says_so(
    churn_warehouse: DuckDBWarehouse,
) -> None:
    span = data_span(churn_warehouse)
    assert span is not None
    early = span[0] + timedelta(days=70)  # less than horizon (60) + min history (45)
    model = train(churn_warehouse, early, ChurnRules())
    assert model.kind == "rules"
    assert "history too short" in model.report.reason
    agent = CustomerChurnAgent(warehouse=churn_warehouse, today=early, model=model)
    cid = agent.ranked().index[0]
    profile = agent.profile(cid)
    assert profile.scored_by == "rules"
    assert "deterministic rules" in profile.scoring_note
    assert "history too short" in profile.scoring_note
    assert profile.confidence_score <= 0.5


def test_training_is_deterministic(
    churn_warehouse: DuckDBWarehouse, churn_model: ChurnModel, churn_agent: CustomerChurnAgent
) -> None:
    again = train(churn_warehouse, churn_agent.today, ChurnRules())
    frame = churn_agent.scores().frame.head(500)
    assert np.array_equal(again.predict(frame), churn_model.predict(frame))


def test_churn_means_silence_past_each_customers_own_window(
    churn_warehouse: DuckDBWarehouse, churn_agent: CustomerChurnAgent
) -> None:
    rules, today = ChurnRules(), churn_agent.today
    cutoff = today - timedelta(days=44)
    history = (cutoff - data_span(churn_warehouse)[0]).days  # type: ignore[index]
    snap = labelled_snapshot(churn_warehouse, cutoff, history, 30, rules, today)
    # Only repeat buyers are labelled, and only when their own window closed by today.
    assert (snap.repeat["population"] == "repeat").all()
    assert not snap.churned.index.isin(snap.first_time.index).any()
    window = label_window(snap.repeat["cadence"], rules)
    assert (window <= (today - cutoff).days).all() and snap.censored > 0
    assert 0.05 < snap.churned.mean() < 0.5  # a label that means something, not 87%
    activity = churn_warehouse.query(
        """SELECT customer_id, order_date AS day FROM orders
           WHERE customer_id IS NOT NULL AND order_date < $until
           UNION SELECT customer_id, session_date FROM sessions
           WHERE customer_id IS NOT NULL AND session_date < $until""",
        {"until": today},
    )
    activity["day"] = pd.to_datetime(activity["day"])
    cut = pd.Timestamp(cutoff)
    for cid in list(snap.churned.index[::97][:15]):
        days = activity[activity.customer_id == cid].day.drop_duplicates().sort_values()
        before = days[(days < cut) & (days >= cut - pd.Timedelta(days=history))]
        gap = (
            (before.iloc[-1] - before.iloc[0]).days / (len(before) - 1)
            if len(before) >= 2
            else (cut - before.iloc[0]).days
        )
        own = max(rules.label_multiple * gap, rules.min_label_days)
        assert window[cid] == pytest.approx(own)
        came_back = ((days >= cut) & (days < cut + pd.Timedelta(days=own))).any()
        assert snap.churned[cid] == int(not came_back), cid


def test_first_time_buyers_are_never_labelled_churned(
    churn_warehouse: DuckDBWarehouse, churn_agent: CustomerChurnAgent
) -> None:
    rules, today = ChurnRules(), churn_agent.today
    cutoff = today - timedelta(days=72)
    history = (cutoff - data_span(churn_warehouse)[0]).days  # type: ignore[index]
    snap = labelled_snapshot(churn_warehouse, cutoff, history, 30, rules, today)
    assert len(snap.first_time) > 0
    assert (snap.first_time["orders_total"] == 1).all()
    assert not snap.first_time["prior_order"].any()
    # Their question is a second purchase within the horizon, asked of them alone.
    assert set(snap.no_second.index) == set(snap.first_time.index)
    assert not set(snap.first_time.index) & set(snap.churned.index)
    assert 0.5 < snap.no_second.mean() < 1


# A hand-built store as of TODAY, judged at a cut-off 90 days earlier: two slow buyers (a
# 100-day gap, so a 200-day window no 90-day horizon can close), one fast buyer (15-day gap,
# 30-day window), one fast buyer already past that window at the cut-off (lapsed then) and
# one first-time buyer.
TODAY = date(2024, 7, 1)
CUT = TODAY - timedelta(days=90)
ORDERS = {
    "slow_gone": [CUT - timedelta(days=160), CUT - timedelta(days=60)],
    "slow_back": [CUT - timedelta(days=160), CUT - timedelta(days=60), CUT + timedelta(days=80)],
    "fast_late": [CUT - timedelta(days=30), CUT - timedelta(days=15), CUT + timedelta(days=40)],
    "fast_gone": [CUT - timedelta(days=60), CUT - timedelta(days=45)],
    "once": [CUT - timedelta(days=20)],
}


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    path = tmp_path / "store.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date DATE, "
        "revenue DOUBLE)"
    )
    rows = [(f"{c}-{i}", c, d, 40.0) for c, days in ORDERS.items() for i, d in enumerate(days)]
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
    con.execute(
        "CREATE TABLE customers AS SELECT customer_id, MIN(order_date) AS first_order_date "
        "FROM orders GROUP BY customer_id"
    )
    con.execute(
        "CREATE TABLE returns (customer_id VARCHAR, return_date DATE, refund_amount DOUBLE)"
    )
    con.execute(
        "CREATE TABLE support_tickets (customer_id VARCHAR, created_date DATE, resolved BOOLEAN, "
        "resolved_date DATE, satisfaction INTEGER)"
    )
    con.execute("CREATE TABLE sessions (customer_id VARCHAR, session_date DATE)")
    con.close()
    warehouse = DuckDBWarehouse(path)
    yield warehouse
    warehouse.close()


def test_slow_buyers_are_labelled_by_the_days_that_can_be_judged(
    small_store: DuckDBWarehouse,
) -> None:
    rules = ChurnRules(horizon_days=90, min_label_days=30, long_window_label_days=60)
    snap = labelled_snapshot(small_store, CUT, 365, 30, rules, TODAY)
    # Slow buyers are judged on the 90 days there are: silent for all of them is churned,
    # back on day 80 is not. The fast buyer keeps their own 30-day window: day 40 is late.
    # The one already 45 days past a 15-day rhythm at the cut-off was lapsed then, as today's
    # list would count them: not a churn question, so not a lesson for the model.
    assert snap.churned.to_dict() == {"fast_late": 1, "slow_back": 0, "slow_gone": 1}
    assert snap.censored == 0
    assert snap.known_on["slow_gone"] == pd.Timestamp(TODAY)
    assert snap.known_on["fast_late"] == pd.Timestamp(CUT + timedelta(days=30))
    # The one-time buyer is asked about a second purchase, never labelled churned.
    assert list(snap.first_time.index) == ["once"]
    assert snap.no_second.to_dict() == {"once": 1}


def test_slow_buyers_stay_out_when_too_few_days_can_be_judged(
    small_store: DuckDBWarehouse,
) -> None:
    # Unset, the slow buyers are censored as before; set, but with only 50 days after the
    # cut-off (fewer than the 60 the rule asks for), too.
    for rules, today in (
        (ChurnRules(horizon_days=90, long_window_label_days=None), TODAY),
        (ChurnRules(horizon_days=90, long_window_label_days=60), CUT + timedelta(days=50)),
    ):
        snap = labelled_snapshot(small_store, CUT, 365, 30, rules, today)
        assert set(snap.churned.index) == {"fast_late"}
        assert snap.censored == 2
