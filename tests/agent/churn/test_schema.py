"""Churn reads the warehouse through the customer entity of semantic.yml.

The SQL below is the churn SQL as it was written by hand before the names were declared: the
truth that the generated SQL must equal on the demo warehouse, in text and in result. A copy
of the warehouse with every table and column churn reads renamed, declared in a semantic.yml
written here, must give the same customers the same features, cohorts and outcomes.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from agent.churn import cohorts, features, outcomes
from agent.churn.agent import CustomerChurnAgent
from agent.churn.cohorts import find_cohorts
from agent.churn.features import (
    customer_features,
    data_span,
    derive,
    future_orders,
    next_active,
    window_params,
    with_p_alive,
)
from agent.churn.outcomes import measure_retention, measure_uplift
from agent.churn.schema import DEMO_SCHEMA, STEP_NAMES, ChurnSchema, churn_schema
from agent.demo_data import GeneratedWarehouse
from agent.errors import ConfigError, WarehouseError
from agent.semantic.entities import OrdersRef, SessionsRef
from agent.semantic.loader import load_semantic, parse_semantic
from agent.warehouse import DuckDBWarehouse
from bot.cli import main

REPO_SEMANTIC = Path(__file__).resolve().parents[3] / "semantic.yml"

OLD_FEATURE_SQL = """\
WITH people AS (
    SELECT customer_id, first_order_date
    FROM customers
    WHERE customer_id IS NOT NULL AND first_order_date < $cutoff
),
tx AS (
    SELECT customer_id,
           COUNT(*) AS orders_total,
           SUM(revenue) AS revenue_total,
           SUM(CASE WHEN order_date >= $recent THEN 1 ELSE 0 END) AS orders_recent,
           SUM(CASE WHEN order_date >= $recent THEN revenue ELSE 0 END) AS revenue_recent,
           SUM(CASE WHEN order_date >= $year_ago AND order_date < $year_ago_end
                    THEN 1 ELSE 0 END) AS orders_year_ago,
           MIN(order_date) AS first_seen,
           MAX(order_date) AS last_order
    FROM orders
    WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $cutoff
    GROUP BY customer_id
),
support AS (
    SELECT customer_id,
           COUNT(*) AS tickets_90,
           SUM(CASE WHEN created_date >= $d30 THEN 1 ELSE 0 END) AS tickets_30,
           SUM(CASE WHEN resolved AND resolved_date < $cutoff THEN 0 ELSE 1 END) AS unresolved,
           AVG(satisfaction) AS avg_satisfaction,
           SUM(CASE WHEN satisfaction <= 2 THEN 1 ELSE 0 END) AS unhappy_tickets,
           SUM(CASE WHEN created_date >= $d56 THEN 1 ELSE 0 END) AS tickets_56,
           SUM(CASE WHEN created_date < $d56 THEN 0
                    WHEN resolved AND resolved_date < $cutoff THEN 0 ELSE 1 END) AS unresolved_56,
           AVG(CASE WHEN created_date >= $d56 THEN satisfaction END) AS satisfaction_56,
           SUM(CASE WHEN created_date >= $d56 AND satisfaction <= 2 THEN 1 ELSE 0 END)
               AS unhappy_56
    FROM support_tickets
    WHERE customer_id IS NOT NULL AND created_date >= $d90 AND created_date < $cutoff
    GROUP BY customer_id
),
visits AS (
    SELECT customer_id,
           SUM(CASE WHEN session_date >= $d30 THEN 1 ELSE 0 END) AS sessions_30,
           SUM(CASE WHEN session_date < $d30 THEN 1 ELSE 0 END) AS sessions_prev_60,
           MAX(session_date) AS last_session
    FROM sessions
    WHERE customer_id IS NOT NULL AND session_date >= $d90 AND session_date < $cutoff
    GROUP BY customer_id
),
rets AS (
    SELECT customer_id, COUNT(*) AS returns_90, SUM(refund_amount) AS refunds_90
    FROM returns
    WHERE customer_id IS NOT NULL AND return_date >= $d90 AND return_date < $cutoff
    GROUP BY customer_id
),
active_on AS (
    SELECT customer_id, order_date AS day
    FROM orders
    WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $cutoff
    UNION
    SELECT customer_id, session_date
    FROM sessions
    WHERE customer_id IS NOT NULL AND session_date >= $start AND session_date < $cutoff
),
activity AS (
    SELECT customer_id, COUNT(*) AS active_days, MIN(day) AS first_active,
           MAX(day) AS last_active
    FROM active_on
    GROUP BY customer_id
)
SELECT p.customer_id, p.first_order_date,
       tx.orders_total, tx.revenue_total, tx.orders_recent, tx.revenue_recent,
       tx.orders_year_ago, tx.first_seen, tx.last_order,
       support.tickets_90, support.tickets_30, support.unresolved, support.avg_satisfaction,
       support.unhappy_tickets, support.tickets_56, support.unresolved_56,
       support.satisfaction_56, support.unhappy_56,
       visits.sessions_30, visits.sessions_prev_60, visits.last_session,
       rets.returns_90, rets.refunds_90,
       activity.active_days, activity.first_active, activity.last_active
FROM people p
LEFT JOIN tx ON tx.customer_id = p.customer_id
LEFT JOIN support ON support.customer_id = p.customer_id
LEFT JOIN visits ON visits.customer_id = p.customer_id
LEFT JOIN rets ON rets.customer_id = p.customer_id
LEFT JOIN activity ON activity.customer_id = p.customer_id
ORDER BY p.customer_id"""

OLD_FUTURE_SQL = """\
SELECT customer_id, COUNT(*) AS future_orders
FROM orders
WHERE customer_id IS NOT NULL AND order_date >= $cutoff AND order_date < $until
GROUP BY customer_id"""

OLD_NEXT_ACTIVE_SQL = """\
WITH after AS (
    SELECT customer_id, MIN(order_date) AS day
    FROM orders
    WHERE customer_id IS NOT NULL AND order_date >= $cutoff AND order_date < $until
    GROUP BY customer_id
    UNION ALL
    SELECT customer_id, MIN(session_date)
    FROM sessions
    WHERE customer_id IS NOT NULL AND session_date >= $cutoff AND session_date < $until
    GROUP BY customer_id
)
SELECT customer_id, MIN(day) AS next_active FROM after GROUP BY customer_id"""

OLD_SPAN_SQL = "SELECT MIN(order_date) AS first_day, MAX(order_date) AS last_day FROM orders"

OLD_PEOPLE_SQL = """\
people AS (
    SELECT customer_id, acquisition_channel, region,
           CASE WHEN first_order_date >= $t365 THEN 'under a year'
                WHEN first_order_date >= $t730 THEN '1-2 years'
                ELSE 'over 2 years' END AS tenure
    FROM customers
    WHERE customer_id IS NOT NULL AND first_order_date < $base_start
),
lines AS (
    SELECT customer_id, category,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_date, order_id, line_no)
               AS n
    FROM order_items
    WHERE customer_id IS NOT NULL AND order_date < $today
),
first_line AS (SELECT customer_id, category FROM lines WHERE n = 1),
groups AS (
    SELECT p.customer_id, p.acquisition_channel, p.region,
           COALESCE(f.category, 'unknown') AS first_category, p.tenure
    FROM people p LEFT JOIN first_line f ON f.customer_id = p.customer_id
)"""

OLD_COHORT_SQL = f"""\
WITH {OLD_PEOPLE_SQL},
o AS (
    SELECT customer_id,
           SUM(CASE WHEN order_date < $split THEN 1 ELSE 0 END) AS orders_base,
           SUM(CASE WHEN order_date >= $split THEN 1 ELSE 0 END) AS orders_cur
    FROM orders
    WHERE customer_id IS NOT NULL AND order_date >= $base_start AND order_date < $today
    GROUP BY customer_id
),
t AS (
    SELECT customer_id,
           SUM(CASE WHEN created_date < $split THEN 1 ELSE 0 END) AS tickets_base,
           SUM(CASE WHEN created_date >= $split THEN 1 ELSE 0 END) AS tickets_cur
    FROM support_tickets
    WHERE customer_id IS NOT NULL AND created_date >= $base_start AND created_date < $today
    GROUP BY customer_id
),
s AS (
    SELECT customer_id,
           SUM(CASE WHEN session_date < $split THEN 1 ELSE 0 END) AS sessions_base,
           SUM(CASE WHEN session_date >= $split THEN 1 ELSE 0 END) AS sessions_cur
    FROM sessions
    WHERE customer_id IS NOT NULL AND session_date >= $base_start AND session_date < $today
    GROUP BY customer_id
)
SELECT p.acquisition_channel, p.region, p.first_category, p.tenure, COUNT(*) AS customers,
       SUM(COALESCE(o.orders_base, 0)) AS orders_base,
       SUM(COALESCE(o.orders_cur, 0)) AS orders_cur,
       SUM(COALESCE(t.tickets_base, 0)) AS tickets_base,
       SUM(COALESCE(t.tickets_cur, 0)) AS tickets_cur,
       SUM(COALESCE(s.sessions_base, 0)) AS sessions_base,
       SUM(COALESCE(s.sessions_cur, 0)) AS sessions_cur
FROM groups p
LEFT JOIN o ON o.customer_id = p.customer_id
LEFT JOIN t ON t.customer_id = p.customer_id
LEFT JOIN s ON s.customer_id = p.customer_id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4"""

OLD_DAILY_SQL = f"""\
WITH {OLD_PEOPLE_SQL},
activity AS (
    SELECT customer_id, session_date AS day FROM sessions
    WHERE customer_id IS NOT NULL AND session_date >= $base_start AND session_date < $today
    UNION ALL
    SELECT customer_id, order_date FROM orders
    WHERE customer_id IS NOT NULL AND order_date >= $base_start AND order_date < $today
)
SELECT p.acquisition_channel, p.region, p.first_category, p.tenure, a.day, COUNT(*) AS events
FROM groups p JOIN activity a ON a.customer_id = p.customer_id
GROUP BY 1, 2, 3, 4, 5"""

OLD_REORDERS_SQL = """\
SELECT customer_id, COUNT(*) AS orders
FROM orders
WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $until
GROUP BY customer_id"""

OLD_ORDER_DAYS_SQL = """\
SELECT DISTINCT customer_id, CAST(order_date AS DATE) AS order_date
FROM orders
WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $until"""

# Each template with the hand-written SQL it replaced and parameters it is run with.
CASES = (
    (features.FEATURE_SQL, OLD_FEATURE_SQL, "features"),
    (features.FUTURE_SQL, OLD_FUTURE_SQL, "until"),
    (features.NEXT_ACTIVE_SQL, OLD_NEXT_ACTIVE_SQL, "until"),
    (features.SPAN_SQL, OLD_SPAN_SQL, "none"),
    (cohorts.COHORT_SQL, OLD_COHORT_SQL, "cohorts"),
    (cohorts.DAILY_SQL, OLD_DAILY_SQL, "daily"),
    (outcomes.REORDERS_SQL, OLD_REORDERS_SQL, "outcomes"),
    (outcomes.ORDER_DAYS_SQL, OLD_ORDER_DAYS_SQL, "outcomes"),
)

# Every table and column churn reads, renamed the way another warehouse might name them.
TABLES = {
    "customers": "clients",
    "orders": "purchases",
    "sessions": "visits",
    "support_tickets": "helpdesk",
    "returns": "refunds",
    "order_items": "purchase_lines",
}
COLUMNS = {
    "customers": {
        "customer_id": "client_ref",
        "first_order_date": "first_purchase_on",
        "acquisition_channel": "source",
        "region": "area",
    },
    "orders": {"customer_id": "client_ref", "order_date": "placed_on", "revenue": "net_total"},
    "sessions": {"customer_id": "client_ref", "session_date": "visited_on"},
    "support_tickets": {
        "customer_id": "client_ref",
        "created_date": "opened_on",
        "resolved": "is_closed",
        "resolved_date": "closed_on",
        "satisfaction": "csat",
    },
    "returns": {"customer_id": "client_ref", "return_date": "received_on", "refund_amount": "paid"},
    "order_items": {
        "customer_id": "client_ref",
        "order_date": "line_day",
        "category": "product_group",
        "order_id": "purchase_ref",
        "line_no": "line_pos",
    },
}

RENAMED_SEMANTIC = """\
version: 1
dimensions:
  area: {label: Region}
tables:
  purchases:
    time_dimension: placed_on
    measures:
      revenue: {agg: sum, expr: net_total}
metrics:
  revenue: {type: simple, measure: purchases.revenue, label: Revenue}
entities:
  customer:
    table: clients
    key: client_ref
    orders: {table: purchases, date: placed_on, revenue: net_total}
    columns: {first_order: first_purchase_on, acquisition_channel: source, region: area}
    activity:
      # `visits` is also a step of churn's SQL: the schema keeps the two apart.
      sessions: {table: main.visits, date: visited_on}
      tickets:
        {table: helpdesk, date: opened_on, resolved: is_closed, resolved_date: closed_on,
         satisfaction: csat}
      returns: {table: refunds, date: received_on, refund: paid}
      lines:
        {table: purchase_lines, date: line_day, category: product_group, order: purchase_ref,
         line: line_pos}
"""


def _params(kind: str, today: date) -> dict[str, date]:
    cutoff, start = today - timedelta(days=30), today - timedelta(days=120)
    match kind:
        case "features":
            return window_params(cutoff, start, 45)
        case "until":
            return {"cutoff": cutoff, "until": today}
        case "cohorts":
            return {
                "today": today,
                "split": today - timedelta(days=42),
                "base_start": today - timedelta(days=98),
                "t365": today - timedelta(days=365),
                "t730": today - timedelta(days=730),
            }
        case "daily":
            return {k: v for k, v in _params("cohorts", today).items() if k != "split"}
        case "outcomes":
            return {"start": cutoff, "until": today}
        case _:
            return {}


def test_the_demo_declarations_give_the_hand_written_sql_and_its_rows(
    churn_warehouse: DuckDBWarehouse, demo_warehouse: GeneratedWarehouse
) -> None:
    schema = churn_schema(load_semantic(REPO_SEMANTIC))
    assert schema == DEMO_SCHEMA
    for template, old, kind in CASES:
        sql = schema.render(template)
        assert sql == old
        params = _params(kind, demo_warehouse.today)
        # Sorted: the daily counts are grouped without an order.
        pd.testing.assert_frame_equal(
            _sorted(churn_warehouse.query(sql, params)), _sorted(churn_warehouse.query(old, params))
        )


def test_customer_features_equal_those_of_the_hand_written_sql(
    churn_warehouse: DuckDBWarehouse, demo_warehouse: GeneratedWarehouse
) -> None:
    schema = churn_schema(load_semantic(REPO_SEMANTIC))
    cutoff = demo_warehouse.today
    start = cutoff - timedelta(days=110)
    params = window_params(cutoff, start, 55)
    truth = with_p_alive(
        derive(churn_warehouse.query(OLD_FEATURE_SQL, params), cutoff, start, 55), cutoff, start
    )
    got = customer_features(churn_warehouse, cutoff, start, 55, schema=schema)
    assert len(truth) > 100 and truth["p_alive"].notna().any()
    pd.testing.assert_frame_equal(got.frame, truth)
    assert got.evidence.sql == OLD_FEATURE_SQL


@pytest.fixture(scope="module")
def renamed(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DuckDBWarehouse, ChurnSchema]]:
    """A copy of the demo warehouse with churn's tables and columns renamed, and the schema
    its own semantic.yml declares."""
    folder = tmp_path_factory.mktemp("renamed")
    path = folder / "renamed.duckdb"
    shutil.copyfile(demo_warehouse.path, path)
    con = duckdb.connect(str(path))
    try:
        for table, columns in COLUMNS.items():
            for old, new in columns.items():
                con.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")
        for old, new in TABLES.items():
            con.execute(f"ALTER TABLE {old} RENAME TO {new}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    semantic = folder / "semantic.yml"
    semantic.write_text(RENAMED_SEMANTIC)
    warehouse = DuckDBWarehouse(path)
    yield warehouse, churn_schema(load_semantic(semantic))
    warehouse.close()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_a_renamed_warehouse_declared_in_semantic_yml_gives_the_same_churn_inputs(
    renamed: tuple[DuckDBWarehouse, ChurnSchema],
    churn_warehouse: DuckDBWarehouse,
    demo_warehouse: GeneratedWarehouse,
) -> None:
    warehouse, schema = renamed
    # Nothing churn reads is left under the demo's names.
    with pytest.raises(WarehouseError):
        warehouse.query("SELECT customer_id FROM orders")
    left = warehouse.query("SELECT table_name, column_name FROM information_schema.columns")
    for old, new in TABLES.items():
        names = set(left.loc[left["table_name"] == new, "column_name"])
        assert names and not names & set(COLUMNS[old])
    today = demo_warehouse.today
    span = data_span(warehouse, schema=schema)
    assert span is not None and span == data_span(churn_warehouse)
    start = span[0]
    got = customer_features(warehouse, today, start, schema=schema)
    truth = customer_features(churn_warehouse, today, start)
    assert len(got.frame) > 100
    pd.testing.assert_frame_equal(got.frame, truth.frame)
    assert "FROM purchases" in got.evidence.sql and "FROM orders" not in got.evidence.sql
    cutoff = today - timedelta(days=40)
    pd.testing.assert_series_equal(
        future_orders(warehouse, cutoff, 30, schema=schema).sort_index(),
        future_orders(churn_warehouse, cutoff, 30).sort_index(),
    )
    pd.testing.assert_series_equal(
        next_active(warehouse, cutoff, 30, schema=schema).sort_index(),
        next_active(churn_warehouse, cutoff, 30).sort_index(),
    )
    for template, _, kind in CASES:
        params = _params(kind, today)
        pd.testing.assert_frame_equal(
            _sorted(warehouse.query(schema.render(template), params)),
            _sorted(churn_warehouse.query(DEMO_SCHEMA.render(template), params)),
        )


def test_a_renamed_warehouse_names_the_same_cohorts_and_outcomes(
    renamed: tuple[DuckDBWarehouse, ChurnSchema],
    churn_warehouse: DuckDBWarehouse,
    demo_warehouse: GeneratedWarehouse,
) -> None:
    warehouse, schema = renamed
    today = demo_warehouse.today
    start = today - timedelta(days=120)
    got = find_cohorts(warehouse, today, data_start=start, schema=schema)
    truth = find_cohorts(churn_warehouse, today, data_start=start)
    assert truth.cohorts, "the demo's churn cohort is there to be found"
    assert [c.to_json() for c in got.cohorts] == [c.to_json() for c in truth.cohorts]
    ids = churn_warehouse.query(
        "SELECT DISTINCT customer_id FROM orders WHERE customer_id IS NOT NULL "
        "ORDER BY customer_id LIMIT 400"
    )["customer_id"]
    assignment = pd.DataFrame(
        {
            "customer_id": ids,
            "group": ["send", "holdout"] * (len(ids) // 2) + ["send"] * (len(ids) % 2),
        }
    )
    day = today - timedelta(days=60)
    uplift = measure_uplift(warehouse, assignment, start=day, days=30, schema=schema)
    assert uplift == measure_uplift(churn_warehouse, assignment, start=day, days=30)
    assert uplift.contacted_reordered > 0
    actions = assignment.assign(
        kind="retention_offer",
        segment="high",
        group=assignment["group"].map({"send": "treated", "holdout": "holdout"}),
        since=[day - timedelta(days=i % 20) for i in range(len(assignment))],
    )
    pd.testing.assert_frame_equal(
        measure_retention(warehouse, actions, days=30, today=today, schema=schema),
        measure_retention(churn_warehouse, actions, days=30, today=today),
    )


def test_a_missing_declaration_names_the_key_to_add() -> None:
    raw = yaml.safe_load(RENAMED_SEMANTIC)
    del raw["entities"]["customer"]["activity"]["tickets"]
    del raw["entities"]["customer"]["columns"]
    with pytest.raises(ConfigError) as caught:
        churn_schema(parse_semantic(raw, source="team/semantic.yml"))
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "entities.customer.columns",
        "entities.customer.activity.tickets",
    ]
    assert "team/semantic.yml" in str(caught.value)
    del raw["entities"]["customer"]
    with pytest.raises(ConfigError) as caught:
        churn_schema(parse_semantic(raw))
    assert caught.value.problems[0].startswith("entities.customer:")


def test_a_schema_built_in_code_refuses_names_that_are_not_identifiers() -> None:
    with pytest.raises(ConfigError) as caught:
        ChurnSchema(
            key="id; DROP TABLE orders",
            orders=OrdersRef(table="orders", date="order_date", revenue="revenue - 1"),
        )
    assert [p.split(":")[0] for p in caught.value.problems] == ["key", "orders.revenue"]


def test_a_table_named_like_a_step_of_the_sql_must_carry_its_schema() -> None:
    steps = {name for template, _, _ in CASES for name in re.findall(r"(\w+) AS \(", template)}
    assert steps == STEP_NAMES
    with pytest.raises(ConfigError) as caught:
        ChurnSchema(sessions=SessionsRef(table="Visits", date="session_date"))
    assert "main.Visits" in caught.value.problems[0]
    assert ChurnSchema(sessions=SessionsRef(table="main.visits", date="session_date"))


def test_scout_churn_on_a_renamed_warehouse_ranks_the_same_customers(
    renamed: tuple[DuckDBWarehouse, ChurnSchema],
    churn_agent: CustomerChurnAgent,
    demo_warehouse: GeneratedWarehouse,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The user's path: `scout churn` with scout.yml pointing at the renamed warehouse's own
    semantic.yml trains, scores and ranks exactly as on the demo's names."""
    warehouse, _ = renamed
    folder = warehouse.path.parent
    config = tmp_path / "scout.yml"
    config.write_text(f"semantic: {folder / 'semantic.yml'}\n")
    monkeypatch.setenv("SCOUT_CONFIG", str(config))
    monkeypatch.setenv("SCOUT_HOME", str(tmp_path / "home"))  # its own model cache
    args = ["churn", "--warehouse", str(warehouse.path), "--today"]
    assert main([*args, demo_warehouse.today.isoformat(), "--top", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["customer_id"] for p in data["profiles"]] == list(churn_agent.ranked().index[:5])
