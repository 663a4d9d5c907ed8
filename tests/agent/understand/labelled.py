"""Load the labelled set and compare a Goal with an expectation (shared by tests and bench)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from agent.domain import Goal, Intent, Window

LABELLED = Path(__file__).with_name("labelled.yml")
HELDOUT = Path(__file__).with_name("heldout.yml")
FOLLOWUPS = Path(__file__).with_name("followups.yml")


def _numbered(path: Path) -> tuple[int, str]:
    digits = "".join(c for c in path.stem if c.isdigit())
    return (int(digits) if digits else 0, path.name)


# Later held-out batches, each in its own file so it stays measurable on its own.
HELDOUT_BATCHES = tuple(sorted(Path(__file__).parent.glob("heldout_batch*.yml"), key=_numbered))
# Batches kept unseen: scored by the bench, never used to change the parser, never held to a
# bar by a test (only their format is checked), so they stay an honest measure.
UNSEEN = tuple(sorted((Path(__file__).parent / "unseen").glob("*.yml"), key=_numbered))
# Batches once unseen, then read for fixes: reported apart, and learned from like the others.
READ = tuple(sorted((Path(__file__).parent / "read").glob("*.yml"), key=_numbered))
DEFAULT_TODAY = date(2025, 12, 15)
FIELDS = (
    "intent", "metric", "filters", "compare", "group_by", "window", "baseline", "grain",
    "customer_id", "clarify",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Item:
    text: str
    today: date
    context: tuple[str, ...]
    expect: Mapping[str, Any]
    # "out": a request outside what Scout does (weather, HR, code, actions it cannot take).
    scope: str = "in"
    # The thread's previous goal, written out, when the item does not derive it from text.
    previous: Mapping[str, Any] | None = None

    def previous_goal(self) -> Goal | None:
        """The `previous:` goal as the thread would have stored it."""
        if self.previous is None:
            return None
        p = self.previous
        return Goal(
            intent=Intent(p["intent"]),
            metric=p.get("metric"),
            filters=dict(p.get("filters") or {}),
            compare={k: (v[0], v[1]) for k, v in (p.get("compare") or {}).items()},
            group_by=tuple(p.get("group_by") or ()),
            window=_parse_window(p.get("window")),
            baseline=_parse_window(p.get("baseline")),
            grain=p.get("grain"),
            text=str(p.get("text", "")),
        )

    @property
    def intent(self) -> str:
        return str(self.expect["intent"])


def load_items(path: Path = LABELLED) -> list[Item]:
    """Every labelled request, with its `today` and thread context."""
    return list(_load(path, path.stat().st_mtime_ns))


@cache  # dozens of tests and benches read the same files: each version is parsed once
def _load(path: Path, version: int) -> tuple[Item, ...]:
    data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    items = []
    for raw in data["items"]:
        context = raw.get("context") or ()
        items.append(
            Item(
                text=str(raw["text"]),
                today=_as_date(raw.get("today", DEFAULT_TODAY)),
                context=(context,) if isinstance(context, str) else tuple(context),
                expect=raw["expect"],
                scope=str(raw.get("scope", "in")),
                previous=raw.get("previous"),
            )
        )
    return tuple(items)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _parse_window(value: str | None) -> Window | None:
    if value is None:
        return None
    start, end = str(value).split("/")
    return Window(start=date.fromisoformat(start), end=date.fromisoformat(end), label="")


def _window(value: str | None) -> str | None:
    return None if value is None else str(value)


def _show(window: Window | None) -> str | None:
    return None if window is None else f"{window.start.isoformat()}/{window.end.isoformat()}"


def actual_fields(goal: Goal) -> dict[str, Any]:
    """The goal in the labelled set's vocabulary."""
    return {
        "intent": goal.intent.value,
        "metric": goal.metric,
        "filters": dict(goal.filters),
        "compare": {k: list(v) for k, v in goal.compare.items()},
        "group_by": list(goal.group_by),
        "window": _show(goal.window),
        "baseline": _show(goal.baseline),
        "grain": goal.grain,
        "customer_id": goal.customer_id,
        "clarify": [o.label for o in goal.clarification.options] if goal.clarification else None,
    }


def expected_fields(item: Item) -> dict[str, Any]:
    e = item.expect
    return {
        "intent": e["intent"],
        "metric": e.get("metric"),
        "filters": dict(e.get("filters") or {}),
        "compare": {k: list(v) for k, v in (e.get("compare") or {}).items()},
        "group_by": list(e.get("group_by") or []),
        "window": _window(e.get("window")),
        "baseline": _window(e.get("baseline")),
        "grain": e.get("grain"),
        "customer_id": e.get("customer_id"),
        "clarify": list(e["clarify"]) if e.get("clarify") is not None else None,
    }


def mismatches(item: Item, goal: Goal) -> Iterator[tuple[str, Any, Any]]:
    """(field, expected, actual) for every field the goal gets wrong."""
    want, got = expected_fields(item), actual_fields(goal)
    for name in FIELDS:
        if want[name] != got[name]:
            yield name, want[name], got[name]
    # Checked only where an item writes it: whether the period counts as the one on screen
    # (an explanation then explains it) or as nobody's (it looks for where the move began).
    if "window_stated" in item.expect and item.expect["window_stated"] != goal.window_stated:
        yield "window_stated", item.expect["window_stated"], goal.window_stated
