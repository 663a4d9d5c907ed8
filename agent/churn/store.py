"""The trained model, cached per warehouse + today + rules in the data dir (joblib).

A cached model is only ever one this process (or an earlier Scout run) wrote into the
user's own data dir; anything unreadable is retrained, never trusted half-way.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

from agent.churn.model import ChurnModel, train
from agent.churn.rules import ChurnRules
from agent.churn.schema import DEMO_SCHEMA, ChurnSchema
from agent.config import data_dir
from agent.domain import stable_key
from agent.warehouse import Warehouse

log = logging.getLogger("scout.churn")
MODEL_VERSION = 9  # bump when features, labels or the estimator change
_MEMO: dict[str, ChurnModel] = {}


def warehouse_identity(warehouse: Warehouse) -> str:
    """What the data is: a DuckDB file's path, size and mtime, or the warehouse's repr."""
    path = getattr(warehouse, "path", None)
    if isinstance(path, Path) and path.exists():
        stat = path.stat()
        return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    return repr(warehouse)


def model_key(warehouse: Warehouse, today: date, rules: ChurnRules) -> str:
    return stable_key(
        "churn-model", MODEL_VERSION, warehouse_identity(warehouse), today.isoformat(),
        rules.model_dump(mode="json"),
    )  # fmt: skip


def cache_dir() -> Path:
    """Where trained models are kept (SCOUT_HOME or the per-user data dir)."""
    return data_dir() / "churn"


def load_or_train(
    warehouse: Warehouse,
    today: date,
    rules: ChurnRules,
    *,
    folder: Path | None = None,
    retrain: bool = False,
    schema: ChurnSchema = DEMO_SCHEMA,
) -> ChurnModel:
    """The model for this warehouse and day: from memory, from disk, or trained now."""
    import joblib

    key = model_key(warehouse, today, rules)
    if not retrain and key in _MEMO:
        return _MEMO[key]
    where = (folder or cache_dir()) / f"model-{key}.joblib"
    if not retrain and where.is_file():
        try:
            model = joblib.load(where)
            if isinstance(model, ChurnModel):
                _MEMO[key] = model
                return model
        except Exception as error:  # a half-written or foreign file: retrain below
            log.warning("churn.cache_unreadable path=%s error=%r", where, error)
    model = train(warehouse, today, rules, schema)
    _MEMO[key] = model
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        partial = where.with_suffix(f".{os.getpid()}.tmp")
        joblib.dump(model, partial)
        os.replace(partial, where)
    except OSError as error:  # a read-only data dir costs a retrain next time, nothing more
        log.warning("churn.cache_write_failed path=%s error=%r", where, error)
    return model
