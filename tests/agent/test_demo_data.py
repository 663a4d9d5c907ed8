"""The demo warehouse: contract, internal consistency, determinism, calendar and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from agent.demo_data import SCENARIO_KINDS, GeneratedWarehouse, generate, load_scenarios
from agent.demo_data.calendar import black_friday, cyber_monday
from agent.demo_data.scenarios import plan_scenarios
from agent.demo_data.world import STATES_BY_REGION
from bot.cli import main
from tests.conftest import SEED, TODAY

REPO = Path(__file__).resolve().parents[2]

COLUMNS = {
    "customers": "customer_id VARCHAR, signup_date DATE, region VARCHAR, state VARCHAR, "
    "acquisition_channel VARCHAR, first_order_date DATE, email VARCHAR, email_opt_out BOOLEAN",
    "products": "product_id VARCHAR, product_name VARCHAR, category VARCHAR, price DOUBLE, "
    "cost DOUBLE",
    "sessions": "session_id BIGINT, session_ts TIMESTAMP, session_date DATE, "
    "customer_id VARCHAR, region VARCHAR, state VARCHAR, device VARCHAR, channel VARCHAR, "
    "customer_type VARCHAR, landing_category VARCHAR, added_to_cart BOOLEAN, "
    "checkout_started BOOLEAN, converted BOOLEAN, order_id VARCHAR",
    "orders": "order_id VARCHAR, order_ts TIMESTAMP, order_date DATE, customer_id VARCHAR, "
    "session_id BIGINT, region VARCHAR, state VARCHAR, device VARCHAR, channel VARCHAR, "
    "customer_type VARCHAR, units INTEGER, revenue DOUBLE, cost DOUBLE, discount DOUBLE",
    "order_items": "order_id VARCHAR, line_no INTEGER, order_date DATE, customer_id VARCHAR, "
    "product_id VARCHAR, category VARCHAR, region VARCHAR, state VARCHAR, device VARCHAR, "
    "channel VARCHAR, customer_type VARCHAR, quantity INTEGER, unit_price DOUBLE, "
    "revenue DOUBLE, returned_quantity INTEGER",
    "returns": "return_id VARCHAR, order_id VARCHAR, product_id VARCHAR, customer_id VARCHAR, "
    "category VARCHAR, region VARCHAR, order_date DATE, return_date DATE, quantity INTEGER, "
    "refund_amount DOUBLE, reason VARCHAR",
    "support_tickets": "ticket_id VARCHAR, customer_id VARCHAR, created_ts TIMESTAMP, "
    "created_date DATE, region VARCHAR, topic VARCHAR, contact_channel VARCHAR, "
    "satisfaction INTEGER, resolved BOOLEAN, resolved_date DATE",
    "inventory_forecasts": "forecast_date DATE, product_id VARCHAR, category VARCHAR, "
    "forecast_units DOUBLE, actual_units INTEGER",
    "scenarios": "scenario_id VARCHAR, kind VARCHAR, metric VARCHAR, where_json VARCHAR, "
    "start_date DATE, end_date DATE, effect_size DOUBLE, details_json VARCHAR",
}
DATE_COLUMNS = {
    "customers": ["first_order_date"],
    "sessions": ["session_date"],
    "orders": ["order_date"],
    "order_items": ["order_date"],
    "returns": ["order_date", "return_date"],
    "support_tickets": ["created_date", "resolved_date"],
    "inventory_forecasts": ["forecast_date"],
}


@pytest.fixture(scope="module")
def con(demo_warehouse: GeneratedWarehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(demo_warehouse.path), read_only=True)
    yield connection
    connection.close()


def q(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_tables_have_the_contract_columns(con: duckdb.DuckDBPyConnection) -> None:
    for table, spec in COLUMNS.items():
        described = q(con, f"DESCRIBE {table}")
        assert ", ".join(f"{r[0]} {r[1]}" for r in described) == spec, table


def test_dimension_values_are_exactly_the_semantic_layer_values(
    con: duckdb.DuckDBPyConnection,
) -> None:
    declared = yaml.safe_load((REPO / "semantic.yml").read_text())["dimensions"]
    uses = {
        "region": ["customers", "sessions", "orders", "support_tickets"],
        "state": ["customers", "sessions", "orders"],
        "device": ["sessions", "orders"],
        "channel": ["sessions", "orders"],
        "customer_type": ["sessions", "orders", "order_items"],
        "category": ["products", "order_items", "inventory_forecasts"],
        "landing_category": ["sessions"],
        "topic": ["support_tickets"],
    }
    for dim, tables in uses.items():
        for table in tables:
            seen = {r[0] for r in q(con, f"SELECT DISTINCT {dim} FROM {table}")}
            assert seen == set(declared[dim]["values"]), (dim, table)
    channels = {r[0] for r in q(con, "SELECT DISTINCT acquisition_channel FROM customers")}
    assert channels == set(declared["channel"]["values"])
    pairs = set(q(con, "SELECT DISTINCT region, state FROM sessions"))
    assert pairs == {(r, s) for r, states in STATES_BY_REGION.items() for s in states}
    assert all(len(states) == 5 for states in STATES_BY_REGION.values())


def test_data_covers_exactly_the_days_before_today(
    con: duckdb.DuckDBPyConnection, demo_warehouse: GeneratedWarehouse
) -> None:
    first = TODAY - timedelta(days=120)
    assert q(con, "SELECT min(session_date), max(session_date) FROM sessions")[0] == (
        first,
        TODAY - timedelta(days=1),
    )
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            (latest,) = q(con, f"SELECT max({column}) FROM {table}")[0]
            assert latest < TODAY, (table, column)
    assert q(con, "SELECT count(*) FROM sessions WHERE session_ts >= ?", [TODAY])[0][0] == 0
    assert q(con, "SELECT count(*) FROM orders WHERE order_ts >= ?", [TODAY])[0][0] == 0
    assert q(con, "SELECT count(*) FROM support_tickets WHERE created_ts >= ?", [TODAY])[0][0] == 0


def test_totals_agree_across_tables(con: duckdb.DuckDBPyConnection) -> None:
    checks = {
        # order revenue and units are the sums of their lines
        "revenue": """SELECT count(*) FROM orders o JOIN (SELECT order_id, sum(revenue) r,
                      sum(quantity) u FROM order_items GROUP BY 1) i USING (order_id)
                      WHERE abs(o.revenue - i.r) > 1e-6 OR o.units <> i.u""",
        "orders without lines": """SELECT count(*) FROM orders
                      WHERE order_id NOT IN (SELECT order_id FROM order_items)""",
        # every converted session has exactly its order, and only converted sessions do
        "conversions": """SELECT (SELECT count(*) FROM sessions WHERE converted)
                      - (SELECT count(*) FROM orders)""",
        "session order link": """SELECT count(*) FROM sessions s JOIN orders o USING (order_id)
                      WHERE NOT s.converted OR s.session_id <> o.session_id
                      OR s.customer_id <> o.customer_id OR s.session_date <> o.order_date
                      OR s.region <> o.region OR s.device <> o.device
                      OR s.customer_type <> o.customer_type""",
        "funnel": """SELECT count(*) FROM sessions WHERE (converted AND NOT checkout_started)
                      OR (checkout_started AND NOT added_to_cart)
                      OR (converted <> (order_id IS NOT NULL))""",
        # returned quantities on lines are exactly the returns that arrived
        "returns": """SELECT count(*) FROM (SELECT order_id, product_id, sum(returned_quantity) q
                      FROM order_items GROUP BY ALL) i FULL JOIN (SELECT order_id, product_id,
                      sum(quantity) q FROM returns GROUP BY ALL) r USING (order_id, product_id)
                      WHERE coalesce(i.q, 0) <> coalesce(r.q, 0)""",
        "return after order": """SELECT count(*) FROM returns WHERE return_date <= order_date""",
        # the forecast table's actuals are the units sold per product per day
        "inventory": """SELECT count(*) FROM inventory_forecasts f FULL JOIN (SELECT order_date,
                      product_id, sum(quantity) q FROM order_items GROUP BY ALL) i
                      ON f.forecast_date = i.order_date AND f.product_id = i.product_id
                      WHERE coalesce(f.actual_units, -1) <> coalesce(i.q, 0)""",
        "item category": """SELECT count(*) FROM order_items i JOIN products p USING (product_id)
                      WHERE i.category <> p.category""",
        # customer_type agrees with each customer's order history
        "new orders": """SELECT count(*) FROM orders o JOIN customers c USING (customer_id)
                      WHERE (o.customer_type = 'new') <> (o.order_date = c.first_order_date)
                      OR c.first_order_date > o.order_date""",
        "one first order": """SELECT count(*) FROM (SELECT customer_id FROM orders
                      WHERE customer_type = 'new' GROUP BY 1 HAVING count(*) > 1)""",
        "returning sessions": """SELECT count(*) FROM sessions s JOIN customers c
                      USING (customer_id) WHERE s.customer_type = 'returning'
                      AND NOT c.first_order_date < s.session_date""",
        "identified": """SELECT count(*) FROM sessions WHERE customer_id IS NULL
                      AND (converted OR customer_type = 'returning')""",
        "signup": """SELECT count(*) FROM customers WHERE first_order_date < signup_date""",
        "ticket resolution": """SELECT count(*) FROM support_tickets WHERE resolved
                      <> (resolved_date IS NOT NULL) OR resolved_date < created_date
                      OR satisfaction NOT BETWEEN 1 AND 5""",
        "unknown customers": """SELECT count(*) FROM (SELECT customer_id FROM orders UNION ALL
                      SELECT customer_id FROM support_tickets UNION ALL SELECT customer_id
                      FROM sessions) WHERE customer_id IS NOT NULL
                      AND customer_id NOT IN (SELECT customer_id FROM customers)""",
    }
    problems = {name: q(con, sql)[0][0] for name, sql in checks.items()}
    assert problems == dict.fromkeys(checks, 0)


def test_volumes_and_rates_look_like_a_real_store(con: duckdb.DuckDBPyConnection) -> None:
    (per_day,) = q(con, "SELECT count(*) / count(DISTINCT session_date) FROM sessions")[0]
    assert 2_000 < per_day < 3_500  # ~10k a day at scale 1, the fixture uses 0.25
    rates = dict(q(con, "SELECT device, avg(converted::INT) FROM sessions GROUP BY 1"))
    assert rates["desktop"] > rates["tablet"] > rates["mobile"]
    (overall,) = q(con, "SELECT avg(converted::INT) FROM sessions")[0]
    assert 0.02 < overall < 0.04
    types = dict(q(con, "SELECT customer_type, avg(converted::INT) FROM sessions GROUP BY 1"))
    assert types["returning"] > 1.5 * types["new"]
    weekly = dict(
        q(
            con,
            """SELECT dayofweek(session_date) IN (0, 6), avg((device = 'desktop')::INT)
               FROM sessions GROUP BY 1""",
        )
    )
    assert weekly[True] < weekly[False] - 0.05  # desktop sags at the weekend
    # lognormal prices around each category's median: a long right tail overall
    medians = dict(q(con, "SELECT category, median(price) FROM products GROUP BY 1"))
    assert medians["electronics"] > 2 * medians["beauty"]
    (skew,) = q(
        con,
        """SELECT avg(r) / median(r) FROM (SELECT price / median(price) OVER (PARTITION BY
           category) r FROM products)""",
    )[0]
    assert skew > 1.05
    assert q(con, "SELECT count(*) FROM products WHERE cost >= price OR price <= 0")[0][0] == 0


def test_black_friday_and_cyber_monday_surge(con: duckdb.DuckDBPyConnection) -> None:
    bf, cm = black_friday(2025), cyber_monday(2025)
    assert (bf, cm) == (date(2025, 11, 28), date(2025, 12, 1))
    daily = dict(q(con, "SELECT session_date, count(*) FROM sessions GROUP BY 1"))
    revenue = dict(q(con, "SELECT order_date, sum(revenue) FROM orders GROUP BY 1"))
    for day in (bf, cm):
        usual = [day - timedelta(days=7 * k) for k in (3, 4, 5)]
        assert daily[day] > 1.8 * sum(daily[d] for d in usual) / 3
        assert revenue[day] > 1.8 * sum(revenue[d] for d in usual) / 3
    # the build-up: Thanksgiving week climbs towards Friday
    week = [daily[bf - timedelta(days=k)] for k in (6, 1)]
    assert week[1] > week[0]


@pytest.mark.parametrize(
    ("year", "friday", "monday"),
    [(2023, date(2023, 11, 24), date(2023, 11, 27)), (2024, date(2024, 11, 29), date(2024, 12, 2))],
)
def test_holiday_dates_come_from_the_calendar(year: int, friday: date, monday: date) -> None:
    assert (black_friday(year), cyber_monday(year)) == (friday, monday)


def _checksums(path: Path) -> dict[str, int]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        sums = {}
        for table in COLUMNS:
            frame = connection.execute(f"SELECT * FROM {table}").df()
            sums[table] = int(pd.util.hash_pandas_object(frame, index=False).sum())
        return sums
    finally:
        connection.close()


def test_same_seed_same_warehouse_other_seed_other_warehouse(tmp_path: Path) -> None:
    def build(seed: int, name: str) -> GeneratedWarehouse:
        return generate(out=tmp_path / name, seed=seed, today=TODAY, days=60, scale=0.05)

    first, again, other = build(11, "a"), build(11, "b"), build(12, "c")
    sums = _checksums(first.path)
    assert sums == _checksums(again.path)
    assert first.scenarios == again.scenarios
    assert (tmp_path / "a/scenarios.json").read_text() == (
        tmp_path / "b/scenarios.json"
    ).read_text()
    different = _checksums(other.path)
    assert all(sums[t] != different[t] for t in ("sessions", "orders", "customers"))
    assert first.scenarios != other.scenarios


def test_regenerating_overwrites_the_previous_files(tmp_path: Path) -> None:
    generate(out=tmp_path, seed=1, today=TODAY, days=60, scale=0.05)
    quiet = generate(out=tmp_path, seed=1, today=TODAY, days=60, scale=0.05, scenarios=[])
    assert quiet.scenarios == () and load_scenarios(tmp_path) == ()
    connection = duckdb.connect(str(quiet.path), read_only=True)
    assert connection.execute("SELECT count(*) FROM scenarios").fetchall() == [(0,)]
    connection.close()


def test_a_subset_of_scenarios_picks_what_the_full_set_picks() -> None:
    full = plan_scenarios(SEED, TODAY, 180, SCENARIO_KINDS)
    for kind in SCENARIO_KINDS:
        assert plan_scenarios(SEED, TODAY, 180, [kind]) == {kind: full[kind]}
    assert plan_scenarios(SEED, TODAY, 180, []) == {}


def test_recorded_scenarios_match_the_table_and_the_json(
    con: duckdb.DuckDBPyConnection, demo_warehouse: GeneratedWarehouse
) -> None:
    assert [s.kind for s in demo_warehouse.scenarios] == list(SCENARIO_KINDS)
    assert load_scenarios(demo_warehouse.path.parent / "scenarios.json") == demo_warehouse.scenarios
    rows = q(con, "SELECT * FROM scenarios ORDER BY scenario_id")
    by_id = {s.id: s for s in demo_warehouse.scenarios}
    assert len(rows) == len(by_id)
    for sid, kind, metric, where, start, end, effect, details in rows:
        s = by_id[sid]
        assert (kind, metric, start, end) == (s.kind, s.metric, s.start, s.end)
        assert json.loads(where) == dict(s.where)
        assert effect == pytest.approx(s.effect_size)
        assert json.loads(details) == json.loads(json.dumps(dict(s.details)))


def test_cli_writes_the_warehouse_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    argv = ["demo-data", "--seed", "5", "--today", "2025-12-15", "--out", str(out)]
    code = main([*argv, "--days", "60", "--scale", "0.05", "--scenario", "forecast_bias"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "sessions" in printed and "forecast_bias" in printed
    recorded = json.loads((out / "scenarios.json").read_text())
    assert [s["kind"] for s in recorded["scenarios"]] == ["forecast_bias"]
    assert (out / "warehouse.duckdb").is_file()
    assert main([*argv, "--days", "60", "--scale", "0.05", "--scenario", "none"]) == 0
    assert json.loads((out / "scenarios.json").read_text())["scenarios"] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scenario", "meteor"], "Unknown scenario kind"),
        (["--days", "7"], "--days must be at least"),
        (["--scale", "0"], "--scale must be above 0"),
    ],
)
def test_cli_explains_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    argv = ["demo-data", "--today", "2025-12-15", "--out", str(tmp_path), *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "warehouse.duckdb").exists()
