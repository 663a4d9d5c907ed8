"""The customer entity's contact details, read one customer at a time through the semantic layer.

The SQL is built only from the names declared under `entities:` in semantic.yml (checked as
identifiers by the loader) and one bound parameter, the customer id; it is written once and
transpiled by sqlglot for the warehouse in use, like every other query Scout runs.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlglot

from agent.act.contacts import Contact
from agent.errors import ConfigError
from agent.semantic.entities import EntityDef
from agent.semantic.model import SemanticLayer
from agent.warehouse import Warehouse
from agent.warehouse.params import render_placeholders, sqlglot_dialect


def contact_sql(entity: EntityDef, dialect: str) -> str:
    """One row for `$customer`: email, opted_out, last_order, last_product."""
    key = entity.key
    email = f"c.{entity.email}" if entity.email else "NULL"
    opted = f"c.{entity.opt_out}" if entity.opt_out else "NULL"
    last_order = "NULL"
    if entity.orders:
        o = entity.orders
        last_order = f"(SELECT MAX(o.{o.date}) FROM {o.table} AS o WHERE o.{key} = c.{key})"
    product = "NULL"
    if entity.last_product:
        p = entity.last_product
        # Newest line first; the name breaks ties so the same data always names the same item.
        product = (
            f"(SELECT p.{p.name} FROM {p.table} AS i JOIN {p.catalog} AS p "
            f"ON p.{p.key} = i.{p.key} WHERE i.{key} = c.{key} "
            f"ORDER BY i.{p.date} DESC, p.{p.name} LIMIT 1)"
        )
    sql = (
        f"SELECT {email} AS email, {opted} AS opted_out, {last_order} AS last_order, "
        f"{product} AS last_product FROM {entity.table} AS c WHERE c.{key} = $customer"
    )
    target = sqlglot_dialect(dialect)
    tree = sqlglot.parse_one(sql, read="duckdb")
    return render_placeholders(tree, target).sql(dialect=target)


class WarehouseContacts:
    """A `ContactBook` over the warehouse, for the entity declared in semantic.yml."""

    def __init__(self, warehouse: Warehouse, layer: SemanticLayer, entity: str = "customer"):
        self.warehouse = warehouse
        self.layer = layer
        self.entity_name = entity

    def entity(self) -> EntityDef:
        """The declared entity; a missing declaration is the data team's to fix."""
        found = self.layer.entities.get(self.entity_name)
        if found is None or not found.email:
            raise ConfigError(
                [
                    f"entities.{self.entity_name}: an email integration is configured but "
                    f"semantic.yml declares no {self.entity_name} contact email "
                    "(entities.customer.contact.email)"
                ],
                source=self.layer.source or "semantic.yml",
            )
        return found

    async def contact(self, customer_id: str) -> Contact | None:
        entity = self.entity()
        sql = contact_sql(entity, self.warehouse.dialect)
        frame = await self.warehouse.aquery(sql, {"customer": customer_id})
        if frame.empty:
            return None
        row = frame.iloc[0]
        return Contact(
            customer_id=customer_id,
            email=_text(row["email"]),
            opted_out=None if _missing(row["opted_out"]) else bool(row["opted_out"]),
            last_order=_day(row["last_order"]),
            last_product=_text(row["last_product"]),
        )


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> str | None:
    return None if _missing(value) or not str(value).strip() else str(value).strip()


def _day(value: Any) -> date | None:
    if _missing(value) or value is pd.NaT:
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
