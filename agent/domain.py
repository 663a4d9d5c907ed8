"""Scout's domain values: what a request means, what an analysis found, what the agent proposes.

Every value is a frozen, keyword-only dataclass. Mappings inside them are treated as
read-only by convention (never mutate a value you did not build). `to_json()` gives the
stable JSON shapes the CLI prints and the bot renders; keys that do not apply are null or
empty, never missing.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, assert_never


class Intent(StrEnum):
    LOOKUP = "lookup"
    TREND = "trend"
    BREAKDOWN = "breakdown"
    COMPARE = "compare"
    EXPLAIN = "explain"
    DETECT = "detect"
    SEGMENT = "segment"
    FORECAST_CHECK = "forecast_check"
    CHURN = "churn"
    DIGEST = "digest"
    HELP = "help"
    UNKNOWN = "unknown"


Grain = Literal["day", "week", "month"]


# --------------------------------------------------------------------------- time windows


# How many whole months a monthly trend shows when the text names no period (PRECEDENTS.md):
# "monthly revenue" is the last 6 calendar months, not 30 days in two partial months. (A
# weekly trend keeps the labelled 30 days; its cut weeks are left out when answered.)
WHOLE_PERIODS: dict[str, int] = {"month": 6}

# The label of a window that asks for all the data ("lifetime revenue", "orders since
# launch"): its dates are cut to what the warehouse holds when it is answered.
ALL_TIME = "all time"
ALL_TIME_START = date(2000, 1, 1)


@dataclass(frozen=True, kw_only=True)
class Window:
    """A half-open date range [start, end)."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty window: {self.start} .. {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def shifted(self, days: int, label: str = "") -> Window:
        delta = timedelta(days=days)
        return Window(start=self.start + delta, end=self.end + delta, label=label)

    def previous(self) -> Window:
        """The period of equal length that ends where this one starts."""
        return self.shifted(-self.days, label="previous period")

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def describe(self) -> str:
        last = self.end - timedelta(days=1)
        if self.label == ALL_TIME and self.start == ALL_TIME_START:
            return f"all the data, to {last:%b %-d, %Y}"  # not yet cut to the warehouse's dates
        if self.days == 1:
            return f"{self.start:%a %b %-d, %Y}"
        return f"{self.start:%b %-d} – {last:%b %-d, %Y}"

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @staticmethod
    def whole(grain: Literal["week", "month"], today: date, count: int) -> Window:
        """The last `count` complete Monday–Sunday weeks, or calendar months, before today."""
        if grain == "week":
            end = today - timedelta(days=today.weekday())
            return Window(start=end - timedelta(weeks=count), end=end, label=f"last {count} weeks")
        end = start = today.replace(day=1)
        for _ in range(count):
            start = (start - timedelta(days=1)).replace(day=1)
        return Window(start=start, end=end, label=f"last {count} months")

    @staticmethod
    def from_json(data: Mapping[str, str]) -> Window:
        return Window(start=date.fromisoformat(data["start"]), end=date.fromisoformat(data["end"]))


# --------------------------------------------------------------------------- goals


# "the 3 worst days for orders": which end of a series to name first. "best"/"worst" follow the
# metric's direction (the worst days for tickets are the busiest); "highest"/"lowest" do not.
RankOrder = Literal["best", "worst", "highest", "lowest"]


@dataclass(frozen=True, kw_only=True)
class Ranked:
    order: RankOrder
    count: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"order": self.order, "count": self.count}


@dataclass(frozen=True, kw_only=True)
class ClarificationOption:
    """One answer to a clarifying question; choosing it yields a complete goal."""

    label: str
    goal: Goal


@dataclass(frozen=True, kw_only=True)
class Clarification:
    question: str
    options: tuple[ClarificationOption, ...] = ()
    # Set when the rules refused knowing why ("the weather isn't in the shop's data"), as
    # against not understanding: a model's guess needs to be surer to overrule it.
    refusal: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "options": [o.label for o in self.options]}


@dataclass(frozen=True, kw_only=True)
class Goal:
    """A request, made precise: what to compute, over what, against what."""

    intent: Intent
    metric: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    compare: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    group_by: tuple[str, ...] = ()
    window: Window | None = None
    baseline: Window | None = None
    grain: Grain | None = None
    customer_id: str | None = None
    confidence: float = 1.0
    clarification: Clarification | None = None
    text: str = ""
    # False only when the text named no period (neither window nor baseline) and `window` is
    # the intent's default: an explanation then looks for when the move began (explain/onset.py).
    window_stated: bool = True
    # True when the text named what to compare with ("vs last Monday"): kept as asked, where
    # a default baseline may give way to a usual day (explain/core.py).
    baseline_stated: bool = False
    # The periods of a series to name first, when the text asked for its best or worst ones.
    ranked: Ranked | None = None
    # Why a further question in the same message is not answered, for the reply to say.
    left_out: str = ""
    # A later question in the same message that Scout could answer on its own but does not
    # answer here ("revenue yesterday? and how many orders?"): named in the reply, never
    # dropped in silence.
    unanswered: str = ""

    @property
    def needs_clarification(self) -> bool:
        return self.clarification is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent.value,
            "metric": self.metric,
            "filters": dict(self.filters),
            "compare": {k: list(v) for k, v in self.compare.items()},
            "group_by": list(self.group_by),
            "window": self.window.to_json() if self.window else None,
            "baseline": self.baseline.to_json() if self.baseline else None,
            "grain": self.grain,
            "customer_id": self.customer_id,
            "confidence": round(self.confidence, 3),
            "needs_clarification": self.needs_clarification,
            "clarification": self.clarification.to_json() if self.clarification else None,
            "window_stated": self.window_stated,
            "baseline_stated": self.baseline_stated,
            "ranked": self.ranked.to_json() if self.ranked else None,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Goal:
        """Rebuild a goal saved by `to_json` (thread memory, button values)."""
        return Goal(
            intent=Intent(data["intent"]),
            metric=data.get("metric"),
            filters=dict(data.get("filters") or {}),
            compare={k: (v[0], v[1]) for k, v in (data.get("compare") or {}).items()},
            group_by=tuple(data.get("group_by") or ()),
            window=Window.from_json(data["window"]) if data.get("window") else None,
            baseline=Window.from_json(data["baseline"]) if data.get("baseline") else None,
            grain=data.get("grain"),
            customer_id=data.get("customer_id"),
            confidence=float(data.get("confidence", 1.0)),
            text=data.get("text", ""),
            window_stated=bool(data.get("window_stated", True)),
            baseline_stated=bool(data.get("baseline_stated", False)),
            ranked=Ranked(order=ranked["order"], count=int(ranked["count"]))
            if (ranked := data.get("ranked"))
            else None,
        )


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """The SQL (as run, in the warehouse's dialect) and parameters behind a number."""

    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    rows: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "sql": self.sql,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "rows": self.rows,
        }


@dataclass(frozen=True, kw_only=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    # How each column's numbers read, so the rows keep exact numbers (JSON, CSV) while every
    # door shows them in their unit: a semantic.yml format (currency, percent, integer,
    # number), "share" (a 0–1 share), "change" (a relative change) or "pp" (a change of a
    # rate, in percentage points); "" or missing = the renderer's generic rule.
    formats: tuple[str, ...] = ()

    def format_of(self, index: int) -> str:
        return self.formats[index] if index < len(self.formats) else ""

    def shown(self, limit: int) -> tuple[tuple[Any, ...], ...]:
        """The rows worth showing when only `limit` fit: the latest of a time series (its
        first column dates, oldest first), otherwise the first (analyses rank them)."""
        if len(self.rows) <= limit:
            return self.rows
        first = [row[0] if row else None for row in self.rows]
        if all(isinstance(v, date) or _iso_day(v) for v in first) and first == sorted(
            first, key=str
        ):
            return self.rows[-limit:]
        return self.rows[:limit]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "columns": list(self.columns),
            "rows": [[_jsonable(v) for v in r] for r in self.rows],
        }
        if self.formats:
            out["formats"] = list(self.formats)
        return out


@dataclass(frozen=True, kw_only=True)
class RootCause:
    """A segment that explains part of a change. `explains` is its share of the total change."""

    where: Mapping[str, str]
    baseline: float
    current: float
    change: float
    explains: float
    rate_effect: float | None = None
    mix_effect: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "where": dict(self.where),
            "baseline": _jsonable(self.baseline),
            "current": _jsonable(self.current),
            "change": _jsonable(self.change),
            "explains": _jsonable(self.explains),
            "rate_effect": _jsonable(self.rate_effect),
            "mix_effect": _jsonable(self.mix_effect),
        }


@dataclass(frozen=True, kw_only=True)
class Anomaly:
    metric: str
    where: Mapping[str, str]
    day: date
    actual: float
    expected: float
    score: float
    direction: Literal["up", "down"]
    days: int = 1  # a sustained shift: consecutive days from `day`, actual/expected averaged
    value_format: str = ""  # the metric's format (semantic.yml), for rendering its values

    @property
    def deviation(self) -> float:
        return self.actual - self.expected

    @property
    def fingerprint(self) -> str:
        """Stable identity of an anomaly, for de-duplication across cycles and restarts."""
        return stable_key("anomaly", self.metric, dict(self.where), self.day.isoformat())

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "where": dict(self.where),
            "day": self.day.isoformat(),
            "actual": _jsonable(self.actual),
            "expected": _jsonable(self.expected),
            "deviation": _jsonable(self.deviation),
            "score": _jsonable(self.score),
            "direction": self.direction,
            "days": self.days,
        }


@dataclass(frozen=True, kw_only=True)
class Series:
    name: str
    x: tuple[Any, ...]
    y: tuple[float | None, ...]
    style: Literal["solid", "dashed", "band_low", "band_high"] = "solid"


@dataclass(frozen=True, kw_only=True)
class ChartSpec:
    """What to draw; bot/charts.py turns it into a PNG. Pure data, no matplotlib here."""

    kind: Literal["line", "bar", "barh", "grouped_bar", "waterfall"]
    title: str
    series: tuple[Series, ...]
    x_label: str = ""
    y_label: str = ""
    unit: str = ""
    highlight: tuple[Any, ...] = ()
    subtitle: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "subtitle": self.subtitle,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "unit": self.unit,
            "highlight": [_jsonable(h) for h in self.highlight],
            "series": [
                {
                    "name": s.name,
                    "style": s.style,
                    "x": [_jsonable(v) for v in s.x],
                    "y": [_jsonable(v) for v in s.y],
                }
                for s in self.series
            ],
        }


class FindingKind(StrEnum):
    """What a finding answers; the bot and the digest choose how to show it by this."""

    # One per analysis (agent/analyses, agent/churn).
    LOOKUP = "lookup"
    TREND = "trend"
    BREAKDOWN = "breakdown"
    COMPARE = "compare"
    EXPLAIN = "explain"
    DETECT = "detect"
    SEGMENT = "segment"
    FORECAST_CHECK = "forecast_check"
    FORECAST_BASELINE = "forecast_baseline"
    SCORECARD = "scorecard"
    CHURN_PROFILE = "churn_profile"
    CHURN_RISK = "churn_risk"
    HELP = "help"
    NO_DATA = "no_data"
    # The monitor's report of new and updated anomalies (agent/loop.py).
    ANOMALIES = "anomalies"
    # The daily digest's sections (agent/digest.py) and its overview (agent/service.py).
    DIGEST_STORY = "digest_story"
    DIGEST_KPIS = "digest_kpis"
    DIGEST_MOVERS = "digest_movers"
    DIGEST_ANOMALIES = "digest_anomalies"
    DIGEST_FORECAST = "digest_forecast"
    DIGEST_APPROVALS = "digest_approvals"
    DIGEST_ACTIVITY = "digest_activity"
    DIGEST_CHURN = "digest_churn"
    DIGEST_WEEKLY = "digest_weekly"
    DIGEST_OVERVIEW = "digest_overview"

    @classmethod
    def of(cls, value: str) -> FindingKind:
        """The kind a stored or typed string names; ValueError listing the known kinds if none."""
        if value in _RETIRED_KINDS:
            return _RETIRED_KINDS[value]
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(k.value for k in cls)
            raise ValueError(f"unknown finding kind {value!r}; known kinds: {known}") from None


# Kinds Scout once wrote and no longer does, so findings remembered before the rename still
# load (memory keeps them for weeks): the segment snapshot became the scorecard.
_RETIRED_KINDS: Mapping[str, FindingKind] = {"segment_kpis": FindingKind.SCORECARD}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One answer an analyst would sign: the numbers, one plain sentence, the evidence."""

    kind: FindingKind
    title: str
    summary: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    table: Table | None = None
    root_causes: tuple[RootCause, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    segments: tuple[Mapping[str, Any], ...] = ()
    worst_items: tuple[Mapping[str, Any], ...] = ()
    evidence: tuple[Evidence, ...] = ()
    confidence: float = 1.0
    chart: ChartSpec | None = None
    proposed_actions: tuple[Action, ...] = ()
    attachments: Mapping[str, str] = field(default_factory=dict)
    # The format of the finding's metric (semantic.yml: currency, percent, integer, number),
    # so root causes render as "$24,243" or "4.80%", never as raw 0.0480.
    value_format: str = ""

    def __post_init__(self) -> None:
        # JSON from memory and callers outside agent/ pass the plain string; a string that
        # names no kind is a typo, refused here rather than becoming a kind nothing renders.
        if not isinstance(self.kind, FindingKind):
            object.__setattr__(self, "kind", FindingKind.of(self.kind))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "summary": self.summary,
            "facts": {k: _jsonable(v) for k, v in self.facts.items()},
            "table": self.table.to_json() if self.table else None,
            "root_causes": [r.to_json() for r in self.root_causes],
            "anomalies": [a.to_json() for a in self.anomalies],
            "segments": [{k: _jsonable(v) for k, v in s.items()} for s in self.segments],
            "worst_items": [{k: _jsonable(v) for k, v in w.items()} for w in self.worst_items],
            "evidence": [e.to_json() for e in self.evidence],
            "confidence": round(self.confidence, 3),
            "chart": self.chart.to_json() if self.chart else None,
            "proposed_actions": [a.to_json() for a in self.proposed_actions],
            "attachments": dict(self.attachments),
        }


# --------------------------------------------------------------------------- observations


@dataclass(frozen=True, kw_only=True)
class Observation:
    """What a source reported at a time. A failed source gives confidence 0 and the error."""

    source: str
    at: datetime
    data: Mapping[str, Any]
    confidence: float
    context: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, kw_only=True)
class Action:
    """Something the agent proposes to do. Guardrails decide whether it may happen."""

    kind: str
    target: str
    params: Mapping[str, Any] = field(default_factory=dict)
    priority: int = 50
    depends_on: tuple[str, ...] = ()
    cost: float = 0.0
    reason: str = ""
    source: Literal["rules", "person", "llm", "churn"] = "rules"
    key: str = ""

    @property
    def idempotency_key(self) -> str:
        """The same proposal always has the same key, so it never executes twice."""
        return self.key or stable_key(self.kind, self.target, dict(self.params))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "priority": self.priority,
            "depends_on": list(self.depends_on),
            "cost": self.cost,
            "reason": self.reason,
            "source": self.source,
            "idempotency_key": self.idempotency_key,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Action:
        return Action(
            kind=data["kind"],
            target=data["target"],
            params=dict(data.get("params") or {}),
            priority=int(data.get("priority", 50)),
            depends_on=tuple(data.get("depends_on") or ()),
            cost=float(data.get("cost", 0.0)),
            reason=data.get("reason", ""),
            source=data.get("source", "rules"),
            key=data.get("idempotency_key", ""),
        )


@dataclass(frozen=True, kw_only=True)
class Allow:
    kind: Literal["allow"] = "allow"
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class NeedsApproval:
    reason: str
    approvers: tuple[str, ...] = ()
    kind: Literal["needs_approval"] = "needs_approval"


# Why something was refused, for code to branch on (adapters never parse the prose).
RefusalCode = Literal[
    "guardrail",  # kind, schema, allowlist or customer value
    "spend_cap",
    "rate_limit",
    "paused",
    "not_authorised",
    "four_eyes",
    "rejected",
    "expired",
    "already_decided",
    "error",
]


@dataclass(frozen=True, kw_only=True)
class Refuse:
    reason: str
    code: RefusalCode = "guardrail"
    kind: Literal["refuse"] = "refuse"


Decision = Allow | NeedsApproval | Refuse


def describe_decision(decision: Decision) -> str:
    match decision:
        case Allow():
            return "allowed"
        case NeedsApproval(reason=reason):
            return f"needs approval: {reason}"
        case Refuse(reason=reason):
            return f"refused: {reason}"
        case _:
            assert_never(decision)


# --------------------------------------------------------------------------- helpers


def _iso_day(value: Any) -> bool:
    if not isinstance(value, str) or len(value) < 10:
        return False
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def format_quantity(value: float | int | None, fmt: str, unit: str = "") -> str:
    """A metric's number as people read it: '$12,345', '3.12%', '1,234', '12.5 kg'.

    `fmt` is the metric's semantic.yml format; the one formatter behind answers, tables
    and charts, so a value reads the same wherever it appears."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    number = float(value)
    match fmt:
        case "currency":
            sign = "-" if number < 0 else ""
            amount = abs(number)
            text = f"{amount:,.2f}" if amount < 100 else f"{amount:,.0f}"
            symbol = "$" if unit in ("", "USD") else ""
            suffix = "" if symbol else f" {unit}"
            return f"{sign}{symbol}{text}{suffix}"
        case "percent":
            return f"{number * 100:.2f}%"
        case "integer":
            return f"{round(number):,}"
        case _:
            text = f"{number:,.2f}" if abs(number) < 1000 else f"{number:,.0f}"
            return f"{text} {unit}".strip()


SegmentStyle = Literal["pairs", "words", "key"]

# Values that read badly alone get their dimension as a word ("returning customers").
_SEGMENT_PHRASES: Mapping[str, str] = {
    "customer_type": "{} customers",
    "landing_category": "landing on {}",
    "channel": "{} traffic",
    "category": "{} products",
    "topic": "{} tickets",
}


def format_segment(where: Mapping[str, Any], *, style: SegmentStyle = "pairs") -> str:
    """A segment as text, sorted by dimension so one segment always reads the same.

    "pairs" (`device=mobile, region=Northeast`) names the dimensions, for tables, the CLI and
    evidence; "words" (`mobile × Northeast`, `paid search traffic × West`) is for sentences;
    "key" (`device=mobile,region=Northeast`) is the compact form inside situation keys and plan
    ids, which memory has persisted, so it must not change. Empty for no segment: callers name
    the whole ("overall", "everything") as their sentence needs."""
    items = sorted((str(k), str(v)) for k, v in where.items())
    match style:
        case "pairs":
            return ", ".join(f"{k}={v}" for k, v in items)
        case "key":
            return ",".join(f"{k}={v}" for k, v in items)
        case "words":
            return " × ".join(
                _SEGMENT_PHRASES.get(k, "{}").format(v.replace("_", " ")) for k, v in items
            )
        case _:
            assert_never(style)


def stable_key(*parts: Any) -> str:
    """A short, deterministic hash of JSON-able parts (dict order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    """Numbers and dates as JSON understands them; numpy scalars unwrapped."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN is not JSON
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)
    if callable(item):
        return _jsonable(item())
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def jsonable(value: Any) -> Any:
    """Public alias of the JSON conversion used by every `to_json`."""
    return _jsonable(value)
