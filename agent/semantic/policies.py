"""Data access policies: who may see which rows, which metrics and customer-level data.

Policies live in `policies.yml` beside semantic.yml (people change more often than the data
model, and a team may keep them under a different owner). A person's access is resolved from
their Slack user id (never from the text of a question) into an `Access` value that the
analysis context applies to every metric request. Hidden columns are dimensions nobody under
the policy may break down, filter or compare by (analyses read a view of the layer without
them) and customer columns customer lists may not show. With no policies file, everyone has
`UNRESTRICTED` access: Scout behaves exactly as before policies existed.

A policy may be keyed by a Slack user group id (S…). Which of those groups the asker is in is
looked up by the Slack adapter and passed in with the question, so this module never asks
Slack; a person in several groups gets the union of what those groups may see (`Access.union`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.domain import Goal, Intent, format_segment
from agent.errors import ConfigError, UserError
from agent.semantic.compiler import MetricRequest
from agent.semantic.model import MeasureDef, MetricDef, SemanticLayer

log = logging.getLogger("scout.policies")

POLICIES_FILE = "policies.yml"
# A Slack user group id as Slack writes it (S0WESTMGR); a handle (@west-managers) is not an id.
SLACK_GROUP_RE = re.compile(r"S[A-Z0-9]{2,}")
# Intents whose answers name individual customers (churn lists, segment CSVs, one customer).
CUSTOMER_INTENTS = frozenset({Intent.CHURN, Intent.SEGMENT})


class AccessDenied(UserError):
    """A request the asker's data access policy does not allow; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Access:
    """What one person (or one channel) may see: rows, metrics and customer-level data."""

    row_filters: Mapping[str, str] = field(default_factory=dict)
    hidden_metrics: frozenset[str] = frozenset()
    # Dimensions nobody under this policy may break down or filter by, and customer columns
    # customer-level answers may not show (see `customer_columns`).
    hidden_columns: frozenset[str] = frozenset()
    customer_data: bool = True
    source: str = ""  # whose policy this is ("group west_managers"), for the logs

    @property
    def limited(self) -> bool:
        return bool(
            self.row_filters or self.hidden_metrics or self.hidden_columns or not self.customer_data
        )

    def note(self) -> str:
        """The sentence an answer carries when its rows were limited ('' when they were not)."""
        if not self.row_filters:
            return ""
        return f"Limited to {self._where()} by your data access policy."

    def allows(self, metric: str, where: Mapping[str, str]) -> bool:
        """Whether a number about `metric` in segment `where` may be shown (scheduled posts:
        an alert about the whole company is not shown to a channel limited to the West)."""
        if metric in self.hidden_metrics or self.hidden_columns & set(where):
            return False
        return all(where.get(d) == v for d, v in self.row_filters.items())

    def check_metric(self, layer: SemanticLayer, metric: str) -> None:
        if metric in self.hidden_metrics:
            label = layer.metric(metric).label if metric in layer.metrics else metric
            raise AccessDenied(
                f"{label} is not available to you under your data access policy.",
                hint="Ask your data team if you need it.",
            )
        missing = [d for d in self.row_filters if d not in layer.dimensions_for(metric)]
        if missing:
            # The rows cannot be limited, so none are shown rather than all of them.
            label = layer.metric(metric).label
            raise AccessDenied(
                f"{label} has no {', '.join(sorted(d.replace('_', ' ') for d in missing))}, "
                f"so your data access policy ({self._where()}) does not let me show it."
            )

    def restrict(self, layer: SemanticLayer, request: MetricRequest) -> MetricRequest:
        """The request with the policy's row filters AND-ed in; a conflicting filter, a hidden
        metric or a metric the filters cannot apply to is refused."""
        if not self.row_filters and not self.hidden_metrics and not self.hidden_columns:
            return request
        self.check_metric(layer, request.metric)
        self._check_filters(request.filters)
        # The backstop for a drill-down that asks for a hidden dimension by name: the layer an
        # analysis reads (`view`) no longer lists it, so only a request naming it lands here.
        self.check_columns(layer, (*request.group_by, *request.filters))
        return replace(request, filters={**request.filters, **self.row_filters})

    def check_columns(self, layer: SemanticLayer, names: Iterable[str]) -> None:
        """AccessDenied naming every hidden dimension among `names` (a breakdown, a filter,
        a comparison: each shows that dimension's values)."""
        hidden = sorted({n for n in names if n in self.hidden_columns})
        if hidden:
            labels = _words([_column_label(layer, n) for n in hidden])
            raise AccessDenied(
                f"Breaking numbers down by {labels} is not available to you under your data "
                "access policy.",
                hint="Ask without it, or ask your data team if you need it.",
            )

    def view(self, layer: SemanticLayer) -> SemanticLayer:
        """The semantic layer without the hidden dimensions: what an analysis under this
        policy reads, so a drill-down that searches every dimension ("why did revenue
        drop?") skips them instead of refusing the whole answer."""
        if not self.hidden_columns & set(layer.dimensions):
            return layer
        tables = {
            name: replace(
                table,
                dimensions={
                    d: c for d, c in table.dimensions.items() if d not in self.hidden_columns
                },
            )
            for name, table in layer.tables.items()
        }
        dimensions = {d: v for d, v in layer.dimensions.items() if d not in self.hidden_columns}
        return replace(layer, tables=tables, dimensions=dimensions)

    def admit(self, goal: Goal, layer: SemanticLayer) -> Goal:
        """The goal as this person may run it (row filters added), or AccessDenied."""
        if not self.customer_data and (goal.intent in CUSTOMER_INTENTS or goal.customer_id):
            raise AccessDenied(
                "Customer-level data (churn lists, customer segments, individual customers) "
                "is not available to you under your data access policy.",
                hint="Aggregate metrics are: try 'revenue by region last week'.",
            )
        customer_level = goal.intent in CUSTOMER_INTENTS or bool(goal.customer_id)
        shown = sorted(self.hidden_columns & customer_columns(layer, shown_only=True))
        if customer_level and shown:
            # Churn lists and a customer's profile are read from the customer table outside
            # the semantic layer, cohorts by these columns included: refuse rather than show.
            raise AccessDenied(
                "Customer lists show "
                f"{_words([_column_label(layer, c) for c in shown])}, which your data access "
                "policy hides, so they are not available to you.",
                hint="Aggregate metrics are: try 'revenue by channel last week'.",
            )
        self.check_columns(layer, (*goal.group_by, *goal.filters, *goal.compare))
        if not self.row_filters and not self.hidden_metrics:
            return goal
        if self.row_filters and customer_level:
            # Customer lists are read outside the semantic layer's filters, so they cannot be
            # limited to these rows: refuse rather than show every customer.
            raise AccessDenied(
                f"Customer lists can't be limited to {self._where()} yet, so your data access "
                "policy does not allow them."
            )
        if goal.metric is not None:
            self.check_metric(layer, goal.metric)
        self._check_filters(goal.filters)
        for dimension, pair in goal.compare.items():
            allowed = self.row_filters.get(dimension)
            if allowed is not None and any(v != allowed for v in pair):
                raise AccessDenied(self._conflict(dimension, [v for v in pair if v != allowed]))
        if not self.row_filters:
            return goal
        return replace(goal, filters={**goal.filters, **self.row_filters})

    @staticmethod
    def union(accesses: Iterable[Access], *, source: str) -> Access | None:
        """What someone holding every one of `accesses` may see (their groups' policies): a
        metric hidden only if every policy hides it, customer data if any policy allows it,
        and a row filter only where every policy has the same one (a policy without a filter
        on a dimension sees all of its rows). None when two policies limit one dimension to
        different values: "West or Northeast" is not one filter, so the union cannot be said.
        """
        found = list(accesses)
        if not found:
            return None
        filters: dict[str, str] = {}
        for dimension in set().union(*(a.row_filters for a in found)):
            values = {a.row_filters.get(dimension) for a in found}
            if len(values - {None}) > 1:
                return None
            if None not in values:
                filters[dimension] = str(values.pop())
        return Access(
            row_filters=filters,
            hidden_metrics=frozenset.intersection(*(a.hidden_metrics for a in found)),
            hidden_columns=frozenset.intersection(*(a.hidden_columns for a in found)),
            customer_data=any(a.customer_data for a in found),
            source=source,
        )

    def _check_filters(self, filters: Mapping[str, str]) -> None:
        for dimension, value in filters.items():
            allowed = self.row_filters.get(dimension)
            if allowed is not None and str(value) != allowed:
                raise AccessDenied(self._conflict(dimension, [str(value)]))

    def _conflict(self, dimension: str, values: list[str]) -> str:
        return (
            f"Your data access policy limits you to {self._where()}, so I can't show "
            f"{' or '.join(format_segment({dimension: v}, style='words') for v in values)}."
        )

    def _where(self) -> str:
        return format_segment(self.row_filters, style="words")


UNRESTRICTED = Access(source="no policies")


def customer_columns(layer: SemanticLayer, *, shown_only: bool = False) -> frozenset[str]:
    """Columns of the customer tables a policy may hide: the columns churn groups customers
    by (shown in customer lists as cohorts) and, unless `shown_only`, the contact columns
    (read only to send an email, never shown, so hiding them refuses no list)."""
    found: set[str] = set()
    for entity in layer.entities.values():
        if not shown_only:
            found |= {c for c in (entity.email, entity.opt_out) if c}
        if entity.columns is not None:
            columns = entity.columns
            found |= {columns.first_order, columns.acquisition_channel, columns.region}
    return frozenset(found)


def _column_label(layer: SemanticLayer, name: str) -> str:
    if name in layer.dimensions:
        return layer.dimensions[name].label.lower()
    return name.replace("_", " ")


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# --------------------------------------------------------------------------- the file


class PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    row_filters: dict[str, str] = Field(default_factory=dict)
    hidden_metrics: list[str] = Field(default_factory=list)
    # Dimensions (no breakdown or filter by them) and customer table columns (see
    # `customer_columns`) this policy may not see.
    hidden_columns: list[str] = Field(default_factory=list)
    customer_data: bool = False


class PoliciesFile(BaseModel):
    """policies.yml, as written (see docs/policies.md)."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    # Anyone not named: aggregate metrics only, no customer-level data.
    default: PolicyModel = Field(default_factory=PolicyModel)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    # A user id, a group name under `groups:`, or a Slack user group id (S…).
    policies: dict[str, PolicyModel] = Field(default_factory=dict)
    channels: dict[str, str] = Field(default_factory=dict)  # channel id → a policies key


@dataclass(frozen=True, kw_only=True)
class Policies:
    """Resolved policies: a user's own entry, else the union of their groups', else the
    default."""

    default: Access
    by_subject: Mapping[str, Access]
    groups: Mapping[str, tuple[str, ...]]
    channels: Mapping[str, str] = field(default_factory=dict)

    def for_user(self, user: str, groups: Iterable[str] = ()) -> Access:
        """A person's access: their own entry; else the union of the policies of every group
        they are in (the file's `groups:`, and the Slack user groups in `groups`, which the
        adapter looked up); else the default. Groups whose row filters on one dimension differ
        cannot be joined, so such a person gets the default (and the log says why)."""
        if user in self.by_subject:
            return self.by_subject[user]
        held = sorted(
            {g for g, members in self.groups.items() if user in members and g in self.by_subject}
            | (set(groups) & self.slack_groups)
        )
        if not held:
            return self.default
        if len(held) == 1:
            return self.by_subject[held[0]]
        joined = Access.union(
            (self.by_subject[g] for g in held), source=" + ".join(f"policies.{g}" for g in held)
        )
        if joined is None:
            log.warning(
                "policies conflict user=%s groups=%s: their row filters differ on one dimension;"
                " the default policy applies (give the user their own entry)",
                user,
                ",".join(held),
            )
            return self.default
        return joined

    @property
    def slack_groups(self) -> frozenset[str]:
        """The Slack user groups (S…) a policy is keyed by: the adapter looks up only these."""
        return frozenset(k for k in self.by_subject if SLACK_GROUP_RE.fullmatch(k))

    def everyone(self) -> tuple[Access, ...]:
        """Every access someone can have: the default and each named policy."""
        return (self.default, *self.by_subject.values())

    def for_channel(self, *names: str) -> Access:
        """A scheduled post's access: the policy its channel (by id or by name) is mapped to,
        else the default."""
        subject = next((self.channels[n] for n in names if n in self.channels), "default")
        return self.by_subject.get(subject, self.default)


def policies_path(semantic_path: str | Path | None) -> Path:
    from agent.semantic.loader import default_semantic_path

    semantic = Path(semantic_path) if semantic_path is not None else default_semantic_path()
    return semantic.expanduser().parent / POLICIES_FILE


def load_policies(semantic_path: str | Path | None, layer: SemanticLayer) -> Policies | None:
    """policies.yml beside semantic.yml, validated against the layer; None when absent."""
    file = policies_path(semantic_path)
    if not file.exists():
        return None
    try:
        raw = yaml.safe_load(file.read_text())
    except yaml.YAMLError as error:
        raise ConfigError([f"{file}: not valid YAML ({error})"], source=str(file)) from None
    return parse_policies(raw, layer, source=str(file))


def parse_policies(raw: Any, layer: SemanticLayer, *, source: str = POLICIES_FILE) -> Policies:
    """Validate a parsed policies document; ConfigError lists every problem with its place."""
    try:
        parsed = PoliciesFile.model_validate(raw if raw is not None else {})
    except ValidationError as error:
        found = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        ]
        raise ConfigError(found, source=source) from None
    problems: list[str] = []
    if "default" in parsed.policies:
        problems.append("policies.default: write the default policy under the top-level default:")
    entries = {
        "default": parsed.default,
        **{f"policies.{k}": v for k, v in parsed.policies.items()},
    }
    for where, policy in entries.items():
        problems += _policy_problems(where, policy, layer)
    for group, members in parsed.groups.items():
        if group in parsed.policies and not members:
            problems.append(f"groups.{group}: a group with a policy needs at least one user id")
    for key in parsed.policies:
        if key.startswith("@"):
            problems.append(
                f"policies.{key}: name a Slack user group by its id (S…), not its handle"
            )
    membership: dict[str, list[str]] = {}
    for group, members in parsed.groups.items():
        if group in parsed.policies:
            for user in members:
                membership.setdefault(user, []).append(group)
    for user, groups in sorted(membership.items()):
        if user not in parsed.policies and _conflicting(parsed.policies[g] for g in groups):
            problems.append(
                f"groups: {user} is in {', '.join(groups)}, whose row filters differ on one "
                f"dimension; give {user} its own entry under policies"
            )
    for channel, subject in parsed.channels.items():
        if subject not in parsed.policies and subject != "default":
            problems.append(f"channels.{channel}: unknown policy '{subject}' (a key of policies)")
    if problems:
        raise ConfigError(problems, source=source)
    return Policies(
        default=_access(parsed.default, layer, "default"),
        by_subject={k: _access(v, layer, f"policies.{k}") for k, v in parsed.policies.items()},
        groups={g: tuple(m) for g, m in parsed.groups.items()},
        channels=dict(parsed.channels),
    )


def _conflicting(policies: Iterable[PolicyModel]) -> bool:
    """Whether two of `policies` limit one dimension to different values (no union)."""
    seen: dict[str, str] = {}
    for policy in policies:
        for dimension, value in policy.row_filters.items():
            if seen.setdefault(dimension, value) != value:
                return True
    return False


def _policy_problems(where: str, policy: PolicyModel, layer: SemanticLayer) -> list[str]:
    problems = []
    for dimension, value in policy.row_filters.items():
        if dimension not in layer.dimensions:
            known = ", ".join(sorted(layer.dimensions))
            problems.append(f"{where}.row_filters.{dimension}: unknown dimension (known: {known})")
            continue
        values = layer.dimensions[dimension].values
        if values and value not in values:
            problems.append(
                f"{where}.row_filters.{dimension}: '{value}' is not one of {', '.join(values)}"
            )
    for metric in policy.hidden_metrics:
        if metric not in layer.metrics:
            problems.append(f"{where}.hidden_metrics: unknown metric '{metric}'")
    columns = set(layer.dimensions) | customer_columns(layer)
    for column in policy.hidden_columns:
        if column not in columns:
            known = ", ".join(sorted(columns))
            problems.append(f"{where}.hidden_columns: unknown column '{column}' (known: {known})")
        elif column in policy.row_filters:
            problems.append(
                f"{where}.hidden_columns: '{column}' also has a row filter; a policy limits a "
                "dimension's rows or hides it, not both"
            )
    return problems


def _access(policy: PolicyModel, layer: SemanticLayer, source: str) -> Access:
    return Access(
        row_filters=dict(policy.row_filters),
        hidden_metrics=hidden_closure(layer, policy.hidden_metrics),
        hidden_columns=frozenset(policy.hidden_columns),
        customer_data=policy.customer_data,
        source=source,
    )


def hidden_closure(layer: SemanticLayer, named: list[str]) -> frozenset[str]:
    """The named metrics and every metric computed from them: hiding revenue also hides
    average order value (revenue / orders), or revenue could be multiplied back out."""
    hidden = set(named)
    measures = set()
    for name in named:
        metric = layer.metrics[name]
        measures |= {(m.table, m.name) for m in _measures(metric) if m is not None}
    changed = True
    while changed:
        changed = False
        for name, metric in layer.metrics.items():
            if name in hidden:
                continue
            uses = {(m.table, m.name) for m in _measures(metric) if m is not None}
            if uses & measures or hidden & set(metric.components):
                hidden.add(name)
                changed = True
    return frozenset(hidden)


def _measures(metric: MetricDef) -> tuple[MeasureDef | None, ...]:
    return (metric.measure, metric.numerator, metric.denominator)
