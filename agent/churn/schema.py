"""Where churn finds its inputs: every table and column it reads, from semantic.yml's customer
entity (agent.semantic.entities), so a warehouse that names them differently declares them
instead of renaming its tables.

The churn SQL (features, cohorts, outcomes) is written once as templates over the names
below; the names are checked as plain identifiers here as well as by the loader, so nothing
but a declared identifier reaches the SQL text, and values stay bound parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from agent.errors import ConfigError, QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.semantic.entities import (
    CustomerColumns,
    EntityDef,
    LinesRef,
    OrdersRef,
    ReturnsRef,
    SessionsRef,
    TicketsRef,
    is_identifier,
)
from agent.semantic.model import SemanticLayer
from agent.warehouse import Warehouse

log = logging.getLogger("scout.churn")

# What each section is read for, said in the ConfigError that asks for it.
_NEEDED: tuple[tuple[str, str, str], ...] = (
    ("columns", "columns", "{first_order: …, acquisition_channel: …, region: …}"),
    ("orders", "orders", "{table: …, date: …, revenue: …}"),
    ("sessions", "activity.sessions", "{table: …, date: …}"),
    ("tickets", "activity.tickets", "{table: …, date: …, resolved: …, satisfaction: …}"),
    ("returns", "activity.returns", "{table: …, date: …, refund: …}"),
    ("lines", "activity.lines", "{table: …, date: …, category: …}"),
)

# The names churn's SQL gives its own steps (WITH … AS): a table declared under one of them
# would be shadowed by the step, so it must be written with its schema (main.visits).
STEP_NAMES = frozenset(
    {"people", "tx", "support", "visits", "rets", "active_on", "activity", "after"}
    | {"lines", "first_line", "groups", "o", "t", "s"}
)


@dataclass(frozen=True, kw_only=True)
class ChurnSchema:
    """The customer entity as churn reads it: every part present, every name checked."""

    customers: str = "customers"
    key: str = "customer_id"
    columns: CustomerColumns = field(default_factory=CustomerColumns)
    orders: OrdersRef = field(default_factory=lambda: OrdersRef(table="orders", date="order_date"))
    sessions: SessionsRef = field(
        default_factory=lambda: SessionsRef(table="sessions", date="session_date")
    )
    tickets: TicketsRef = field(
        default_factory=lambda: TicketsRef(table="support_tickets", date="created_date")
    )
    returns: ReturnsRef = field(
        default_factory=lambda: ReturnsRef(table="returns", date="return_date")
    )
    lines: LinesRef = field(
        default_factory=lambda: LinesRef(table="order_items", date="order_date")
    )

    def __post_init__(self) -> None:
        # A schema built in code skips the loader, so its names are checked again here.
        bad = [
            f"{where}: '{value}' is not a plain {'table' if table else 'column'} name"
            for where, value, table in self._names()
            if not is_identifier(value, relation=table)
        ]
        bad.extend(
            f"{where}: '{value}' is also the name of a step in churn's SQL; write it with its "
            f"schema (for example main.{value})"
            for where, value, table in self._names()
            if table and value.lower() in STEP_NAMES
        )
        if bad:
            raise ConfigError(bad, source="churn inputs")

    def _names(self) -> list[tuple[str, str, bool]]:
        out = [("table", self.customers, True), ("key", self.key, False)]
        for part in ("columns", "orders", "sessions", "tickets", "returns", "lines"):
            ref = getattr(self, part)
            out.extend(
                (f"{part}.{f.name}", getattr(ref, f.name), f.name == "table") for f in fields(ref)
            )
        return out

    def sql_names(self) -> dict[str, str]:
        """The names the churn SQL templates are filled with. `*_as` reads a column under the
        name the rest of churn uses (`cust_id AS customer_id`), or bare where they agree, so
        the demo's SQL reads as it always did."""
        c, o, s, t, r, li = (
            self.columns,
            self.orders,
            self.sessions,
            self.tickets,
            self.returns,
            self.lines,
        )
        return {
            "customers": self.customers,
            "key": self.key,
            "key_as": _as(self.key, "customer_id"),
            "first_order": c.first_order,
            "first_order_as": _as(c.first_order, "first_order_date"),
            "channel_as": _as(c.acquisition_channel, "acquisition_channel"),
            "region_as": _as(c.region, "region"),
            "orders": o.table,
            "order_date": o.date,
            "revenue": o.revenue,
            "sessions": s.table,
            "session_date": s.date,
            "tickets": t.table,
            "ticket_date": t.date,
            "resolved": t.resolved,
            "resolved_date": t.resolved_date,
            "satisfaction": t.satisfaction,
            "returns": r.table,
            "return_date": r.date,
            "refund": r.refund,
            "lines": li.table,
            "line_date": li.date,
            "category_as": _as(li.category, "category"),
            "line_order": li.order,
            "line_no": li.line,
        }

    def render(self, template: str) -> str:
        """A churn SQL template with this warehouse's names in it."""
        return template.format_map(self.sql_names())


# The demo warehouse's names: what churn reads when no semantic layer is passed in.
DEMO_SCHEMA = ChurnSchema()


def churn_schema(layer: SemanticLayer, entity: str = "customer") -> ChurnSchema:
    """Churn's inputs as `layer` declares them; ConfigError names every key still to add."""
    source = layer.source or "semantic.yml"
    found = layer.entities.get(entity)
    if found is None:
        raise ConfigError(
            [
                f"entities.{entity}: churn reads customers, their orders, sessions, support "
                f"tickets, returns and order lines; declare entities.{entity} with its table "
                "and key"
            ],
            source=source,
        )
    parts = _parts(found)
    missing = [
        f"entities.{entity}.{key}: missing; churn reads it, add {shape}"
        for part, key, shape in _NEEDED
        if parts[part] is None
    ]
    if missing:
        raise ConfigError(missing, source=source)
    return ChurnSchema(customers=found.table, key=found.key, **parts)


def _parts(entity: EntityDef) -> dict[str, Any]:
    return {
        "columns": entity.columns,
        "orders": entity.orders,
        "sessions": entity.activity.sessions,
        "tickets": entity.activity.tickets,
        "returns": entity.activity.returns,
        "lines": entity.activity.lines,
    }


def _as(column: str, alias: str) -> str:
    return column if column == alias else f"{column} AS {alias}"


def answers(warehouse: Warehouse, sql: str, params: Mapping[str, object]) -> bool:
    """Whether the warehouse can run `sql` (run with LIMIT 0 by the caller): False when it
    lacks a table or column the query names. A warehouse that is down or slow still raises:
    that is not a missing column."""
    try:
        warehouse.query(sql, dict(params))
    except (WarehouseUnavailable, QueryTimeout):
        raise
    except WarehouseError as error:
        log.info("churn.cannot_read reason=%s", error)
        return False
    return True
