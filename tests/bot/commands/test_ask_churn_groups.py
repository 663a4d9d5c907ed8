"""Churn for a group of customers, and the lapsed, through `scout ask`, checked with SQL.

Asked for the Northeast, the list used to cover everyone (Midwest customers included) and
propose actions for them; "win-back audience for lapsed customers" used to return the
customers *not* lapsed, the opposite group.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from agent.demo_data import GeneratedWarehouse
from bot.cli import main

TODAY = "2025-12-15"


def _ask(text: str, warehouse: GeneratedWarehouse, tmp_path: Path, capsys: Any) -> dict:
    argv = ["ask", text, "--json", "--today", TODAY, "--warehouse", str(warehouse.path)]
    argv += ["--memory", str(tmp_path / "m.sqlite3")]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _sql(warehouse: GeneratedWarehouse, sql: str, params: list[object] | None = None) -> Any:
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        return con.execute(sql, params or []).df()


def _listed(answer: dict) -> pd.DataFrame:
    return pd.read_csv(answer["findings"][0]["attachments"]["churn_csv"], index_col="customer_id")


def test_churn_in_a_region_lists_that_region_s_customers_only(
    capsys: pytest.CaptureFixture[str], demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    everyone = _listed(
        _ask("which customers are at risk of churning?", demo_warehouse, tmp_path, capsys)
    )
    answer = _ask(
        "which customers in the Northeast are at risk of churning?",
        demo_warehouse,
        tmp_path,
        capsys,
    )
    finding = answer["findings"][0]
    assert finding["title"] == "Customers at risk of churning: customers in the Northeast"
    assert finding["summary"].startswith("Among customers in the Northeast: Of ")
    regions = _sql(demo_warehouse, "SELECT customer_id, region FROM customers").set_index(
        "customer_id"
    )["region"]
    listed = _listed(answer)
    # The same customers, scored the same, as the store-wide list's Northeast rows.
    northeast = everyone[regions.reindex(everyone.index).eq("Northeast").to_numpy()]
    assert len(listed) > 0 and set(listed.index) == set(northeast.index)
    assert listed["probability"].to_dict() == pytest.approx(northeast["probability"].to_dict())
    assert f"Of {len(listed):,} repeat customers not yet lapsed" in finding["summary"]
    for action in answer["actions"]:
        assert regions[action["action"]["params"]["customer_id"]] == "Northeast"


def test_a_group_churn_cannot_draw_is_said_and_proposes_nothing(
    capsys: pytest.CaptureFixture[str], demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    answer = _ask(
        "which mobile customers are at risk of churning?", demo_warehouse, tmp_path, capsys
    )
    assert answer["goal"]["filters"] == {"device": "mobile"}
    assert answer["findings"][0]["summary"].startswith(
        "This list covers every customer: churn can be limited to a region or an acquisition "
        "channel, not to device mobile, so no action is proposed"
    )
    assert answer["actions"] == [] and answer["findings"][0]["proposed_actions"] == []


def test_the_lapsed_are_the_win_back_audience(
    capsys: pytest.CaptureFixture[str], demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    at_risk = _listed(
        _ask("which customers are at risk of churning?", demo_warehouse, tmp_path, capsys)
    )
    answer = _ask("win-back audience for lapsed customers", demo_warehouse, tmp_path, capsys)
    finding = answer["findings"][0]
    assert finding["title"] == "Lapsed customers: the win-back audience"
    lapsed = _listed(answer)
    assert len(lapsed) == finding["facts"]["lapsed_customers"] > 0
    assert not set(lapsed.index) & set(at_risk.index)
    today = date.fromisoformat(TODAY)
    ids = list(lapsed.index)
    # Quiet, by hand: the latest order or visit of any of them is as long ago as it says.
    quiet = int(lapsed["days_since_active"].min())
    assert f"last ordered or visited {quiet} days ago." in finding["summary"]
    (latest,) = _sql(
        demo_warehouse,
        "SELECT max(d) FROM (SELECT order_date AS d FROM orders WHERE customer_id IN "
        "(SELECT unnest(?)) UNION ALL SELECT session_date FROM sessions WHERE customer_id IN "
        "(SELECT unnest(?))) WHERE d < ?",
        [ids, ids, today],
    ).iloc[0]
    assert pd.Timestamp(latest).date() == today - timedelta(days=quiet)
    # Repeat buyers: two orders in the data, or one after a first order before it began.
    repeat = _sql(
        demo_warehouse,
        "SELECT o.customer_id, count(*) >= 2 OR min(c.first_order_date) < min(o.order_date) "
        "AS repeat FROM orders o JOIN customers c USING (customer_id) WHERE o.order_date < ? "
        "AND o.customer_id IN (SELECT unnest(?)) GROUP BY 1",
        [today, ids],
    ).set_index("customer_id")["repeat"]
    assert repeat.reindex(ids).fillna(False).all()
    # What they spent, over the days the answer names.
    days = finding["facts"]["revenue_days"]
    (spent,) = _sql(
        demo_warehouse,
        "SELECT sum(revenue) FROM orders WHERE order_date >= ? AND order_date < ? AND "
        "customer_id IN (SELECT unnest(?))",
        [today - timedelta(days=days), today, ids],
    ).iloc[0]
    assert finding["facts"]["lapsed_revenue"] == pytest.approx(spent, abs=0.01)
    assert f"They spent ${spent:,.0f} in the last {days} days." in finding["summary"]
    # Four months of data hold too few past lapsed customers to learn who comes back: said,
    # and no number is made up for it (the long warehouse below has one).
    assert finding["facts"]["expected_back"] is None and lapsed["chance_back"].isna().all()
    assert (
        "on their own is not estimated: too few customers lapsed long enough ago"
        in (finding["summary"])
    )
    # Emailable unless opted out or without an address (a fresh memory has no contacts).
    contact = _sql(
        demo_warehouse,
        "SELECT customer_id, coalesce(email_opt_out, true) OR email IS NULL AS blocked "
        "FROM customers",
    ).set_index("customer_id")["blocked"]
    assert lapsed["emailable"].to_dict() == (~contact.reindex(ids).fillna(True)).to_dict()
    assert answer["actions"] == []


@pytest.fixture(scope="module")
def long_warehouse(tmp_path_factory: pytest.TempPathFactory) -> GeneratedWarehouse:
    """Ten months of the demo store: enough past lapsed customers, a horizon after them, to
    learn who comes back (the 120-day warehouse has too few, and says nothing)."""
    from agent.demo_data import generate

    out = tmp_path_factory.mktemp("long_warehouse")
    return generate(out=out, seed=7, today=date(2025, 12, 15), days=300, scale=0.25)


def test_the_lapsed_chance_of_coming_back_holds_against_what_they_did(
    capsys: pytest.CaptureFixture[str], long_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    """Asked as of a day the horizon has since passed, the lapsed customers' chance of an
    order or visit within it counts and ranks those who did come back (hand SQL)."""
    asked_on = long_warehouse.today - timedelta(days=60)
    argv = ["ask", "win-back audience for lapsed customers", "--json", "--today"]
    argv += [asked_on.isoformat(), "--warehouse", str(long_warehouse.path)]
    assert main([*argv, "--memory", str(tmp_path / "m.sqlite3")]) == 0
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    horizon = finding["facts"]["horizon_days"]
    assert (long_warehouse.today - asked_on).days >= horizon  # the outcome is known
    lapsed = pd.read_csv(finding["attachments"]["churn_csv"], index_col="customer_id")
    assert len(lapsed) == finding["facts"]["lapsed_customers"] > 200
    assert lapsed["chance_back"].between(0, 1).all()
    ids = list(lapsed.index)
    back = set(
        _sql(
            long_warehouse,
            "SELECT customer_id FROM orders WHERE order_date >= ? AND order_date < ? "
            "AND customer_id IN (SELECT unnest(?)) UNION SELECT customer_id FROM sessions "
            "WHERE session_date >= ? AND session_date < ? AND customer_id IN (SELECT unnest(?))",
            [asked_on, asked_on + timedelta(days=horizon), ids] * 2,
        )["customer_id"]
    )
    came = lapsed.index.isin(list(back))
    assert 50 < came.sum() < len(lapsed) - 50  # both outcomes common enough to judge
    expected = finding["facts"]["expected_back"]
    assert expected == round(lapsed["chance_back"].sum())
    share = f"{lapsed['chance_back'].mean():.0%}"
    assert (
        f"About {expected:,} of them ({share}) are expected to order or visit"
        in (finding["summary"])
    )
    # The count is the right size, and the ranking beats a coin and the days of silence
    # alone (the simplest win-back rule): the share of (came back, stayed away) pairs each
    # orders correctly, the AUC by hand.
    assert abs(expected - came.sum()) <= 0.15 * came.sum()

    def auc(score: pd.Series) -> float:
        values = score.to_numpy(dtype=float)
        pairs = values[came][:, None] - values[~came][None, :]
        return float((pairs > 0).mean() + 0.5 * (pairs == 0).mean())

    assert auc(lapsed["chance_back"]) >= 0.6
    assert auc(lapsed["chance_back"]) > auc(-lapsed["days_since_active"])
