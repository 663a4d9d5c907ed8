"""How memory writes times and JSON: fixed-width UTC text and compact JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from agent.domain import jsonable


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so comparing strings compares times (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _default(value: Any) -> Any:
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    item = getattr(value, "item", None)
    if callable(item):  # numpy scalars
        return item()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def dumps(value: Any) -> str:
    """Compact JSON; NaN becomes null and odd keys become strings, as in `to_json`."""
    try:
        # The C encoder handles the common case fast; only odd values take the slow path.
        return json.dumps(value, separators=(",", ":"), allow_nan=False, default=_default)
    except (ValueError, TypeError):
        return json.dumps(jsonable(value), separators=(",", ":"))
