"""Warehouses Scout reads through the semantic layer: DuckDB embedded, SQLAlchemy for the rest."""

from agent.errors import QueryTimeout, WarehouseError, WarehouseUnavailable
from agent.warehouse.alchemy import SQLAlchemyWarehouse
from agent.warehouse.base import RowCapExceeded, Warehouse
from agent.warehouse.duck import DuckDBWarehouse
from agent.warehouse.open import default_demo_warehouse, open_warehouse
from agent.warehouse.params import convert_placeholders, placeholder_style, sqlglot_dialect
from agent.warehouse.spark import SparkConnectWarehouse

__all__ = [
    "DuckDBWarehouse",
    "QueryTimeout",
    "RowCapExceeded",
    "SQLAlchemyWarehouse",
    "SparkConnectWarehouse",
    "Warehouse",
    "WarehouseError",
    "WarehouseUnavailable",
    "convert_placeholders",
    "default_demo_warehouse",
    "open_warehouse",
    "placeholder_style",
    "sqlglot_dialect",
]
