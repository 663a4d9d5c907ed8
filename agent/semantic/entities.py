"""The `entities:` section of semantic.yml: where Scout finds a customer to reach them.

    entities:
      customer:
        table: customers                     # one row per customer
        key: customer_id                     # the id actions carry (C000123)
        contact: {email: email, opt_out: email_opt_out}
        orders: {table: orders, date: order_date}      # an order cancels a win-back
        last_product:                        # named in a win-back email
          {table: order_items, date: order_date, catalog: products, key: product_id, name: product_name}

Every name is a plain identifier (schema-qualified for tables), checked here, so the contact
lookup (agent.semantic.contacts) builds its SQL from declarations and a bound id only.
Validated like the rest of the file: every problem is collected with its location.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")

Problem = Callable[[str, str], None]


@dataclass(frozen=True, kw_only=True)
class OrdersRef:
    """The entity's orders: a table keyed by the entity's key, dated by `date`."""

    table: str
    date: str


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
            {"table", "key", "contact", "orders", "last_product", "description"},
            where,
            problem,
        )
        table = _name(body.get("table"), f"{where}.table", problem, relation=True)
        key = _name(body.get("key"), f"{where}.key", problem)
        contact = _section(body.get("contact"), f"{where}.contact", {"email", "opt_out"}, problem)
        email = _name(contact.get("email"), f"{where}.contact.email", problem, optional=True)
        opt_out = _name(contact.get("opt_out"), f"{where}.contact.opt_out", problem, optional=True)
        orders = _orders(body.get("orders"), f"{where}.orders", problem)
        product = _product(body.get("last_product"), f"{where}.last_product", problem)
        if table and key:
            out[str(name)] = EntityDef(
                name=str(name),
                table=table,
                key=key,
                email=email or None,
                opt_out=opt_out or None,
                orders=orders,
                last_product=product,
            )
    return out


def _orders(raw: Any, where: str, problem: Problem) -> OrdersRef | None:
    data = _section(raw, where, {"table", "date"}, problem)
    if not data:
        return None
    table = _name(data.get("table"), f"{where}.table", problem, relation=True)
    date = _name(data.get("date"), f"{where}.date", problem)
    return OrdersRef(table=table, date=date) if table and date else None


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
    pattern = _RELATION if relation else _IDENTIFIER
    if not isinstance(value, str) or not pattern.match(value):
        problem(where, f"'{value}' is not a valid {'table' if relation else 'column'} name")
        return ""
    return value
