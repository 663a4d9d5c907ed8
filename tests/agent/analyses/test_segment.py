"""segment: RFM values against pandas on the raw orders, the segment map, the CSV."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.analyses.rfm import RULES, quintile_scores, segment_of
from agent.demo_data import GeneratedWarehouse
from agent.domain import Finding, Goal, Intent
from bot.text import row_texts
from tests.conftest import TODAY

GOAL = Goal(intent=Intent.SEGMENT, text="latest customer segmentation")


@pytest.fixture(scope="module")
def answer(ctx: AnalysisContext, tmp_path_factory: pytest.TempPathFactory) -> Finding:
    out = tmp_path_factory.mktemp("segments")
    (finding,) = run_goal(GOAL, dataclasses.replace(ctx, out_dir=out))
    return finding


@pytest.fixture(scope="module")
def csv(answer: Finding) -> pd.DataFrame:
    return pd.read_csv(answer.attachments["segments_csv"])


@pytest.fixture(scope="module")
def orders(raw: dict[str, pd.DataFrame], answer: Finding) -> pd.DataFrame:
    """The orders the RFM window covers, by hand."""
    frame = raw["orders"]
    days = pd.to_datetime(frame["order_date"]).dt.date
    return frame[(days >= answer.facts["since"]) & (days < TODAY)].assign(day=days)


def test_window_is_the_data_span_up_to_a_year(answer: Finding, orders: pd.DataFrame) -> None:
    assert answer.facts["as_of"] == TODAY
    assert answer.facts["since"] == max(orders["day"].min(), TODAY - timedelta(days=365))


def test_segment_sizes_sum_to_customers_with_orders(answer: Finding, orders: pd.DataFrame) -> None:
    expected = orders["customer_id"].nunique()
    assert sum(s["customers"] for s in answer.segments) == expected
    assert answer.facts["customers"] == expected
    assert answer.facts["customers_metric"] == expected  # the semantic layer agrees
    assert answer.facts["revenue_metric"] == pytest.approx(orders["revenue"].sum())
    assert sum(s["share"] for s in answer.segments) == pytest.approx(1.0)
    assert sum(s["revenue_share"] for s in answer.segments) == pytest.approx(1.0)
    assert all(s["action"] for s in answer.segments)


def test_the_table_reads_in_words_and_dollars(answer: Finding, orders: pd.DataFrame) -> None:
    assert answer.table is not None
    columns = answer.table.columns
    assert not any("_" in c for c in columns)  # no raw field names as headers
    revenue = orders.groupby("customer_id")["revenue"].sum()
    shown = {
        row[0]: dict(zip(columns, row_texts(answer.table, row), strict=True))
        for row in answer.table.rows
    }
    for s in answer.segments:
        row = shown[s["segment"]]
        assert row["revenue"] == f"${s['revenue']:,.0f}"  # read as dollars at every door
        assert row["spend each"].startswith("$")
    # The rows themselves keep exact numbers (the JSON and the CSV).
    total = sum(row[columns.index("revenue")] for row in answer.table.rows)
    assert total == pytest.approx(revenue.sum(), abs=0.01)


def test_rfm_values_match_pandas(csv: pd.DataFrame, orders: pd.DataFrame) -> None:
    by_customer = orders.groupby("customer_id").agg(
        last=("day", "max"), frequency=("order_id", "size"), monetary=("revenue", "sum")
    )
    repeaters = by_customer[by_customer["frequency"] >= 3].index[:5]
    sample = [*by_customer.index[:5], *repeaters, by_customer.index[-1]]
    rows = csv.set_index("customer_id").loc[sample]
    for customer, row in rows.iterrows():
        hand = by_customer.loc[customer]
        assert row["recency_days"] == (TODAY - hand["last"]).days
        assert row["frequency"] == hand["frequency"]
        assert row["monetary"] == pytest.approx(hand["monetary"], abs=0.006)


def test_csv_holds_every_customer_exactly_once(csv: pd.DataFrame, orders: pd.DataFrame) -> None:
    assert list(csv.columns) == [
        "customer_id",
        "segment",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "ordered_before",
    ]
    assert csv["customer_id"].is_unique
    assert set(csv["customer_id"]) == set(orders["customer_id"])


def test_segment_counts_in_csv_match_the_finding(answer: Finding, csv: pd.DataFrame) -> None:
    counts = csv["segment"].value_counts().to_dict()
    assert counts == {s["segment"]: s["customers"] for s in answer.segments}
    champions = csv[(csv["r_score"] == 5) & (csv["f_score"] == 5) & (csv["m_score"] == 5)]
    assert not champions.empty and set(champions["segment"]) == {"Champions"}


def test_csv_segments_follow_the_rules(csv: pd.DataFrame) -> None:
    for row in csv.drop_duplicates(
        ["r_score", "f_score", "m_score", "ordered_before"]
    ).itertuples():
        assert row.segment == segment_of(
            row.r_score, row.f_score, row.m_score, new=not row.ordered_before
        )


def test_every_score_combination_has_exactly_one_first_match() -> None:
    for r in range(1, 6):
        for f in range(1, 6):
            for m in range(1, 6):
                assert any(rule.matches(r, f, m) for rule in RULES), (r, f, m)
    assert segment_of(5, 5, 5) == "Champions"
    assert segment_of(1, 5, 5) == "Can't lose them"
    assert segment_of(5, 1, 1) == "New"
    assert segment_of(5, 1, 1, new=False) == "Promising"  # one recent order after earlier ones
    assert segment_of(1, 1, 1) == "Lost"
    assert segment_of(2, 1, 2) == "Hibernating"


def test_quintile_scores_keep_ties_together() -> None:
    values = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 10])
    scores = quintile_scores(values)
    assert list(scores) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    recency = quintile_scores(pd.Series([1, 50, 100, 200, 300]), higher_is_better=False)
    assert list(recency) == [5, 4, 3, 2, 1]


def test_kmeans_check_is_reported(answer: Finding) -> None:
    ari = answer.facts["kmeans_adjusted_rand"]
    assert 0.0 < ari <= 1.0
    assert answer.facts["kmeans_k"] == len(answer.segments)
    # The answer speaks plainly: how stable the segments are, not an adjusted Rand index.
    assert "adjusted Rand" not in answer.summary
    stable = answer.facts["segment_stability"]
    assert 0.0 < stable <= 1.0
    assert f"{stable:.0%} of customers kept their segment when re-scored" in answer.summary


def test_evidence_and_chart(answer: Finding) -> None:
    rfm = answer.evidence[0]
    assert "GROUP BY" in rfm.sql and "$as_of" in rfm.sql
    assert rfm.params["as_of"] == TODAY and rfm.rows == answer.facts["customers"]
    assert answer.chart is not None and answer.chart.kind == "barh"
    assert answer.chart.series[0].x == tuple(s["segment"] for s in answer.segments)


def test_deterministic(ctx: AnalysisContext, answer: Finding, tmp_path: Path) -> None:
    (again,) = run_goal(GOAL, dataclasses.replace(ctx, out_dir=tmp_path))
    assert again.segments == answer.segments
    assert again.facts == answer.facts
    assert (
        Path(again.attachments["segments_csv"]).read_bytes()
        == Path(answer.attachments["segments_csv"]).read_bytes()
    )


def test_filter_values_are_bound_not_spliced(ctx: AnalysisContext, tmp_path: Path) -> None:
    goal = Goal(intent=Intent.SEGMENT, filters={"region": "West' OR 1=1 --"})
    (finding,) = run_goal(goal, dataclasses.replace(ctx, out_dir=tmp_path))
    assert finding.kind == "no_data"


def test_the_win_back_targets_say_how_many_ordered_only_once(
    answer: Finding, csv: pd.DataFrame, orders: pd.DataFrame
) -> None:
    """ "Valuable customers slipping away" was said of a group whose customers had mostly
    ordered once; the count comes from the orders, by hand."""
    risk = csv[csv["segment"].isin(["At risk", "Can't lose them"])]["customer_id"]
    counted = orders.groupby("customer_id").size()
    once = int((counted.loc[list(risk)] == 1).sum())
    assert once > 0  # the demo's win-back segments hold one-time buyers
    assert f"{len(risk):,} customers who spent well but have not ordered lately" in answer.summary
    assert f"; {once:,} of them ordered only once): the win-back targets." in answer.summary
    assert "valuable customers are slipping away" not in answer.summary


def test_new_means_a_first_order_inside_the_window(
    answer: Finding, csv: pd.DataFrame, demo_warehouse: GeneratedWarehouse
) -> None:
    """One recent order from a customer of long standing is not a newcomer: by the
    customers table's first-order date (the orders begin long after many first orders)."""
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        first = con.execute("SELECT customer_id, first_order_date FROM customers").df()
    since = pd.Timestamp(answer.facts["since"])
    earlier = set(first.loc[pd.to_datetime(first.first_order_date) < since, "customer_id"])
    rows = csv.set_index("customer_id")
    assert set(rows.index[rows["ordered_before"]]) == earlier & set(rows.index)
    one_recent = rows[(rows["r_score"] == 5) & (rows["f_score"] == 1)]
    assert set(one_recent.loc[~one_recent["ordered_before"], "segment"]) == {"New"}
    # The demo holds both kinds: returning after a pause reads Promising, never New.
    returning = one_recent[one_recent["ordered_before"]]
    assert len(returning) > 0 and set(returning["segment"]) == {"Promising"}
