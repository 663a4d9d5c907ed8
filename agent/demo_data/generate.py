"""Build the demo warehouse: draw the store, inject the planned scenarios, load DuckDB, then
measure and record what was injected."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from agent.demo_data import calendar, measure
from agent.demo_data.customers import build_customers
from agent.demo_data.forecasts import make_forecasts
from agent.demo_data.orders import make_orders, make_products
from agent.demo_data.scenarios import Scenario, plan_scenarios, resolve_kinds
from agent.demo_data.sessions import make_sessions, segment_mask
from agent.demo_data.support import make_tickets
from agent.demo_data.tables import write_tables
from agent.errors import UserError

MIN_DAYS = 60
MAX_SCALE = 50.0
WAREHOUSE_FILE = "warehouse.duckdb"
SCENARIOS_FILE = "scenarios.json"


@dataclass(frozen=True, kw_only=True)
class GeneratedWarehouse:
    """Where a generated warehouse lives and the scenarios recorded in it."""

    path: Path
    scenarios: tuple[Scenario, ...]
    today: date
    seed: int

    def scenario(self, kind: str) -> Scenario:
        """The recorded scenario of `kind` (KeyError when it was not injected)."""
        for item in self.scenarios:
            if item.kind == kind:
                return item
        raise KeyError(kind)


def _validate(days: int, scale: float) -> None:
    if days < MIN_DAYS:
        raise UserError(
            f"--days must be at least {MIN_DAYS} (got {days}).",
            hint="Scenarios are measured against the weeks before them.",
        )
    if not 0 < scale <= MAX_SCALE:
        raise UserError(f"--scale must be above 0 and at most {MAX_SCALE:g} (got {scale:g}).")


def generate(
    *,
    out: Path,
    seed: int,
    today: date,
    days: int = 180,
    scale: float = 1.0,
    scenarios: Sequence[str] | None = None,
) -> GeneratedWarehouse:
    """Write out/warehouse.duckdb and out/scenarios.json covering [today - days, today).

    Existing files are replaced atomically. DuckDB caches open databases per process, so
    close your connections to an old file before regenerating it in the same process."""
    _validate(days, scale)
    kinds = resolve_kinds(scenarios)
    plans = plan_scenarios(seed, today, days, kinds)
    dates = calendar.day_dates(today, days)

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, stream])

    products = make_products(rng(1))
    sessions = make_sessions(rng(2), dates, today, scale, plans.get("conversion_drop"))
    customers = build_customers(rng(3), sessions, dates, scale, plans.get("churn_cohort"))
    anomaly = plans.get("revenue_anomaly")
    orders = make_orders(rng(4), sessions, products, dates, anomaly)
    tickets = make_tickets(rng(5), sessions, customers, orders, days)
    forecasts = make_forecasts(
        rng(6), sessions, orders, products, dates, plans.get("forecast_bias")
    )

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"Cannot write the demo warehouse to {out}: {error.strerror}.") from None
    path = out / WAREHOUSE_FILE
    # Build beside the target and swap in at the end, so a reader never sees half a file.
    building = out / f".{WAREHOUSE_FILE}.building"
    for stale in (building, Path(f"{building}.wal")):
        stale.unlink(missing_ok=True)
    recorded: list[Scenario] = []
    con = duckdb.connect(str(building))
    try:
        con.execute("SET enable_progress_bar = false")
        write_tables(con, dates, products, sessions, customers, orders, tickets, forecasts)
        if "conversion_drop" in plans:
            recorded.append(measure.conversion_drop(con, plans["conversion_drop"]))
        if anomaly is not None:
            first = (anomaly.start - dates[0]).days
            hit = segment_mask(sessions, dict(anomaly.where))[orders.session]
            hit &= sessions.day[orders.session] == first
            lines = hit[orders.line_order]
            counterfactual = float(orders.counterfactual_revenue[lines].sum())
            recorded.append(measure.revenue_anomaly(con, anomaly, counterfactual))
        if "forecast_bias" in plans:
            recorded.append(measure.forecast_bias(con, plans["forecast_bias"], today))
        if "churn_cohort" in plans:
            numbers = np.sort(customers.number[customers.cohort])
            ids = [f"C{n:06d}" for n in numbers]
            recorded.append(measure.churn_cohort(con, plans["churn_cohort"], ids))
        _write_scenarios(con, recorded)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    Path(f"{path}.wal").unlink(missing_ok=True)
    os.replace(building, path)
    payload = {
        "seed": seed,
        "today": today.isoformat(),
        "days": days,
        "scale": scale,
        "scenarios": [s.to_json() for s in recorded],
    }
    (out / SCENARIOS_FILE).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return GeneratedWarehouse(path=path, scenarios=tuple(recorded), today=today, seed=seed)


def _write_scenarios(con: duckdb.DuckDBPyConnection, recorded: list[Scenario]) -> None:
    con.execute(
        """CREATE OR REPLACE TABLE scenarios (scenario_id VARCHAR, kind VARCHAR, metric VARCHAR,
           where_json VARCHAR, start_date DATE, end_date DATE, effect_size DOUBLE,
           details_json VARCHAR)"""
    )
    if not recorded:
        return
    con.executemany(
        "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                s.id,
                s.kind,
                s.metric,
                json.dumps(dict(s.where), sort_keys=True),
                s.start,
                s.end,
                s.effect_size,
                json.dumps(dict(s.details), sort_keys=True),
            ]
            for s in recorded
        ],
    )
