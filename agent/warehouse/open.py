"""Pick a warehouse from what the user gave: nothing (the demo), a .duckdb path, or a URL
(Spark Connect or SQLAlchemy)."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from agent.config import data_dir
from agent.errors import WarehouseUnavailable
from agent.warehouse.alchemy import SQLAlchemyWarehouse
from agent.warehouse.base import Warehouse
from agent.warehouse.duck import DuckDBWarehouse
from agent.warehouse.spark import SparkConnectWarehouse, is_spark_url

log = logging.getLogger(__name__)
DEMO_SEED = 42


def default_demo_warehouse(today: date | None = None) -> Path:
    """The demo warehouse in the per-user data dir, generated on first use."""
    out = data_dir() / "demo"
    path = out / "warehouse.duckdb"
    wanted = today or date.today()
    if path.is_file() and _built_for(out) == wanted:
        return path
    try:
        from agent.demo_data import generate  # lazy: the generator is heavy and optional here
    except ImportError as error:
        raise WarehouseUnavailable(
            f"no demo warehouse at {path} and the generator is not available ({error})"
        ) from error
    out.mkdir(parents=True, exist_ok=True)
    # Rebuilt when the day moves on, so "yesterday" always has data in the demo.
    log.warning("building the demo warehouse for %s in %s", wanted, out)
    generated = generate(out=out, seed=DEMO_SEED, today=wanted)
    return Path(generated.path)


def _built_for(out: Path) -> date | None:
    """The `today` a demo warehouse was generated for (recorded in scenarios.json)."""
    try:
        return date.fromisoformat(json.loads((out / "scenarios.json").read_text())["today"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def open_warehouse(target: str | Path | None, *, today: date | None = None) -> Warehouse:
    """None -> the demo warehouse; a path -> DuckDB; sc://host:port -> Spark Connect;
    any other URL -> SQLAlchemy."""
    if target is None or str(target).strip() == "":
        return DuckDBWarehouse(default_demo_warehouse(today))
    text = str(target).strip()
    if is_spark_url(text):
        return SparkConnectWarehouse(text)
    if "://" in text:
        return SQLAlchemyWarehouse(text)
    path = Path(text).expanduser()
    if path.is_dir() and (path / "warehouse.duckdb").is_file():
        path = path / "warehouse.duckdb"
    return DuckDBWarehouse(path)  # a missing file raises WarehouseUnavailable, friendly
