"""The `entities:` section of semantic.yml: where Scout finds a customer to reach them.

    entities:
      customer:
        table: customers                     # one row per customer
        key: customer_id                     # the id actions carry (C000123)
        contact: {email: email, opt_out: email_opt_out}
        orders: {table: orders, date: order_date, revenue: revenue}  # cancels a win-back
        last_product:                        # named in a win-back email
          {table: order_items, date: order_date, catalog: products, key: product_id, name: product_name}
        columns: {first_order: first_order_date, acquisition_channel: acquisition_channel, region: region}
        activity:                            # what churn reads besides orders
          sessions: {table: sessions, date: session_date}
          tickets: {table: support_tickets, date: created_date, resolved: resolved,
                    resolved_date: resolved_date, satisfaction: satisfaction}
          returns: {table: returns, date: return_date, refund: refund_amount}
          lines: {table: order_items, date: order_date, category: category, order: order_id,
                  line: line_no}

Every table keyed by the customer carries the entity's key under the same column name.
Inside a declared section `table` and `date` are required; the other columns default to the
demo warehouse's names, so a warehouse that shares them declares only where they differ.

Every name is a plain identifier (schema-qualified for tables), checked here, so the contact
lookup (agent.semantic.contacts) and churn (agent.churn.schema) build their SQL from
declarations and bound values only. Validated like the rest of the file: every problem is
collected with its location.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeVar

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")

Problem = Callable[[str, str], None]


def is_identifier(value: object, *, relation: bool = False) -> bool:
    """A plain column name (or, with `relation`, a table name with up to two qualifiers):
    the only text from configuration ever written into SQL."""
    pattern = _RELATION if relation else _IDENTIFIER
    return isinstance(value, str) and pattern.match(value) is not None


@dataclass(frozen=True, kw_only=True)
class OrdersRef:
    """The entity's orders: a table keyed by the entity's key, dated by `date`."""

    table: str
    date: str
    revenue: str = "revenue"  # the order's value, net of discounts (churn's spend)


@dataclass(frozen=True, kw_only=True)
class SessionsRef:
    """The entity's visits, one row each."""

    table: str
    date: str


@dataclass(frozen=True, kw_only=True)
class TicketsRef:
    """The entity's support tickets: opened on `date`, closed when `resolved` (a boolean)
    on `resolved_date`, rated 1-5 in `satisfaction`."""

    table: str
    date: str
    resolved: str = "resolved"
    resolved_date: str = "resolved_date"
    satisfaction: str = "satisfaction"


@dataclass(frozen=True, kw_only=True)
class ReturnsRef:
    """The entity's returns, dated on arrival, with the amount refunded."""

    table: str
    date: str
    refund: str = "refund_amount"


@dataclass(frozen=True, kw_only=True)
class LinesRef:
    """The entity's order lines; `order` and `line` order the lines of one day, so the first
    line bought (its category) is the same on every run."""

    table: str
    date: str
    category: str = "category"
    order: str = "order_id"
    line: str = "line_no"


@dataclass(frozen=True, kw_only=True)
class CustomerColumns:
    """Columns of the entity's own table that churn groups and dates customers by."""

    first_order: str = "first_order_date"
    acquisition_channel: str = "acquisition_channel"
    region: str = "region"


@dataclass(frozen=True, kw_only=True)
class Activity:
    """What the entity does besides ordering; each part is optional until something reads it."""

    sessions: SessionsRef | None = None
    tickets: TicketsRef | None = None
    returns: ReturnsRef | None = None
    lines: LinesRef | None = None


@dataclass(frozen=True, kw_only=True)
class ProductRef:
    """The entity's most recent item: order lines joined to a catalog for the item's name."""

    table: str
    date: str
    catalog: str
    key: str  # the column the lines and the catalog share (`on` would read as a YAML boolean)
    name: str


@dataclass(frozen=True, kw_only=True)
class EntityDef:
    """A thing actions reach (a customer): its table, key and contact columns."""

    name: str
    table: str
    key: str
    email: str | None = None
    opt_out: str | None = None
    orders: OrdersRef | None = None
    last_product: ProductRef | None = None
    columns: CustomerColumns | None = None
    activity: Activity = Activity()


def parse_entities(raw: Any, problem: Problem) -> dict[str, EntityDef]:
    """Entities from the section's mapping; `problem(where, message)` records each mistake."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problem("entities", "expected a mapping of entity name to its table and columns")
        return {}
    out: dict[str, EntityDef] = {}
    for name, body in raw.items():
        where = f"entities.{name}"
        if not isinstance(body, dict):
            problem(where, "expected a mapping with table, key and contact")
            continue
        _unknown(
            body,
            {
                "table",
                "key",
                "contact",
                "orders",
                "last_product",
                "columns",
                "activity",
                "description",
            },
            where,
            problem,
        )
        table = _name(body.get("table"), f"{where}.table", problem, relation=True)
        key = _name(body.get("key"), f"{where}.key", problem)
        contact = _section(body.get("contact"), f"{where}.contact", {"email", "opt_out"}, problem)
        email = _name(contact.get("email"), f"{where}.contact.email", problem, optional=True)
        opt_out = _name(contact.get("opt_out"), f"{where}.contact.opt_out", problem, optional=True)
        orders = _ref(OrdersRef, body.get("orders"), f"{where}.orders", problem)
        product = _product(body.get("last_product"), f"{where}.last_product", problem)
        columns = _ref(CustomerColumns, body.get("columns"), f"{where}.columns", problem)
        activity = _activity(body.get("activity"), f"{where}.activity", problem)
        if table and key:
            out[str(name)] = EntityDef(
                name=str(name),
                table=table,
                key=key,
                email=email or None,
                opt_out=opt_out or None,
                orders=orders,
                last_product=product,
                columns=columns,
                activity=activity,
            )
    return out


_Ref = TypeVar("_Ref", OrdersRef, SessionsRef, TicketsRef, ReturnsRef, LinesRef, CustomerColumns)


def _ref(kind: type[_Ref], raw: Any, where: str, problem: Problem) -> _Ref | None:
    """A section shaped like `kind`: its fields without a default (a table's `table` and
    `date`) are required, the others default to the demo warehouse's names. None when the
    section is absent or has a mistake (reported), so nothing half-read reaches the SQL."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problem(where, "expected a mapping")
        return None
    _unknown(raw, {f.name for f in fields(kind)}, where, problem)
    names: dict[str, str] = {}
    for f in fields(kind):
        if f.name in raw or f.default is MISSING:
            names[f.name] = _name(
                raw.get(f.name), f"{where}.{f.name}", problem, relation=f.name == "table"
            )
    return kind(**names) if all(names.values()) else None


def _activity(raw: Any, where: str, problem: Problem) -> Activity:
    data = _section(raw, where, {"sessions", "tickets", "returns", "lines"}, problem)
    return Activity(
        sessions=_ref(SessionsRef, data.get("sessions"), f"{where}.sessions", problem),
        tickets=_ref(TicketsRef, data.get("tickets"), f"{where}.tickets", problem),
        returns=_ref(ReturnsRef, data.get("returns"), f"{where}.returns", problem),
        lines=_ref(LinesRef, data.get("lines"), f"{where}.lines", problem),
    )


def _product(raw: Any, where: str, problem: Problem) -> ProductRef | None:
    fields = {"table", "date", "catalog", "key", "name"}
    data = _section(raw, where, fields, problem)
    if not data:
        return None
    values = {
        f: _name(data.get(f), f"{where}.{f}", problem, relation=f in ("table", "catalog"))
        for f in sorted(fields)
    }
    return ProductRef(**values) if all(values.values()) else None


def _section(raw: Any, where: str, allowed: set[str], problem: Problem) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problem(where, "expected a mapping")
        return {}
    _unknown(raw, allowed, where, problem)
    return raw


def _unknown(data: dict[str, Any], allowed: set[str], where: str, problem: Problem) -> None:
    for key in data:
        if key not in allowed:
            problem(f"{where}.{key}", f"unknown key (expected one of {sorted(allowed)})")


def _name(
    value: Any, where: str, problem: Problem, *, relation: bool = False, optional: bool = False
) -> str:
    if value is None:
        if not optional:
            problem(where, "missing")
        return ""
    if not is_identifier(value, relation=relation):
        problem(where, f"'{value}' is not a valid {'table' if relation else 'column'} name")
        return ""
    return value
