"""Who may read an answer where it was asked: the data it shows against each reader's policy.

An answer shown in a channel is read by everyone in it, not only by the asker whose policy
admitted it. Before it is posted there, the adapter lists the channel's members and this
module decides, without Slack, whether every one of them may see the same data under their
own policy; if anyone may not, the answer goes to the asker privately. The rule is the one
the compiler enforces for a question: a reader may see an answer when their row filters are
no narrower than the rows it shows, none of its metrics or of the dimensions it is broken down
by is hidden from them, and, if it names customers, customer-level data is allowed for them
(and no column is hidden from them: customer lists are not read through the layer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from agent.domain import Finding, FindingKind, Intent
from agent.semantic.policies import CUSTOMER_INTENTS, Access, Policies
from agent.views import Reply

# Finding kinds that list individual customers outside a customer intent (the digest's
# churn section); files attached to a finding are customer lists (churn, segment CSVs).
CUSTOMER_FINDINGS = frozenset({FindingKind.DIGEST_CHURN})


@dataclass(frozen=True, kw_only=True)
class DataShown:
    """What an answer shows, in the terms policies are written in."""

    metrics: frozenset[str] = frozenset()
    every_metric: bool = False
    # dimension → the only values the answer's rows have; a dimension not here: every value.
    rows: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Dimensions (and customer columns) the answer breaks down, filters or compares by.
    columns: frozenset[str] = frozenset()
    every_column: bool = False
    customer_data: bool = False


@dataclass(frozen=True, kw_only=True)
class Public:
    """Everyone who reads the conversation may see the answer: post it there."""

    kind: Literal["public"] = "public"


@dataclass(frozen=True, kw_only=True)
class Private:
    """Someone in the conversation may not see the answer: it goes to the asker alone."""

    reason: str  # for the logs: who could not see it, or why the audience is unknown
    kind: Literal["private"] = "private"


Route = Public | Private


def data_shown(reply: Reply) -> DataShown | None:
    """The data `reply` shows; None when it shows none (an error, a question back, help)."""
    goal = reply.goal
    if goal is None or not reply.findings:
        return None
    metrics = {goal.metric} if goal.metric else set()
    for finding in reply.findings:
        metrics |= {a.metric for a in finding.anomalies}
    rows: dict[str, frozenset[str]] = {d: frozenset({str(v)}) for d, v in goal.filters.items()}
    for dimension, pair in goal.compare.items():
        rows[dimension] = rows.get(dimension, frozenset()) | {str(v) for v in pair}
    columns = {*goal.filters, *goal.compare, *goal.group_by}
    for finding in reply.findings:
        columns |= _columns_of(finding)
    customer = (
        goal.intent in CUSTOMER_INTENTS
        or goal.customer_id is not None
        or any(f.kind in CUSTOMER_FINDINGS or f.attachments for f in reply.findings)
    )
    return DataShown(
        metrics=frozenset(metrics),
        # The digest and scorecards span the catalog, and an answer without a named metric
        # ("anything unusual?") has no narrower claim to make: both count as every metric.
        every_metric=goal.intent is Intent.DIGEST or not goal.metric,
        rows=rows,
        columns=frozenset(columns),
        # The same spans decide which dimensions an answer may name: the digest and an
        # open question drill into every dimension, and an explanation's text may name
        # segments beyond its root causes. Customer lists show the customer columns.
        every_column=goal.intent in (Intent.DIGEST, Intent.EXPLAIN) or not goal.metric,
        customer_data=customer,
    )


def _columns_of(finding: Finding) -> set[str]:
    found = {d for a in finding.anomalies for d in a.where}
    found |= {d for c in finding.root_causes for d in c.where}
    return found


def may_see(access: Access, shown: DataShown) -> bool:
    """Whether a reader with `access` may see everything `shown`."""
    if shown.customer_data and not access.customer_data:
        return False
    if access.hidden_columns and (
        shown.every_column or shown.customer_data or shown.columns & access.hidden_columns
    ):
        return False
    if access.hidden_metrics and (shown.every_metric or shown.metrics & access.hidden_metrics):
        return False
    return all(shown.rows.get(d) == frozenset({v}) for d, v in access.row_filters.items())


def needs_audience_check(shown: DataShown | None, policies: Policies | None) -> bool:
    """Whether any policy at all would refuse this data; when none would, the channel's
    members need not be looked up."""
    if shown is None or policies is None:
        return False
    return not all(may_see(access, shown) for access in policies.everyone())


def route(shown: DataShown | None, readers: Iterable[Access]) -> Route:
    """Public when every reader may see `shown`, else Private (the reason names how many
    could not, never who: it goes to the logs)."""
    if shown is None:
        return Public()
    refused = [r for r in readers if not may_see(r, shown)]
    if not refused:
        return Public()
    sources = sorted({r.source or "unnamed" for r in refused})
    return Private(reason=f"{len(refused)} reader(s) limited by {', '.join(sources)}")


def readers(
    policies: Policies,
    members: Iterable[str],
    *,
    shared: bool,
    exclude: Iterable[str] = (),
    groups: Mapping[str, frozenset[str]] | None = None,
) -> list[Access]:
    """The accesses of a channel's readers: each member's own (with the Slack user groups
    `groups` maps them to, looked up by the adapter), and, for a channel shared with another
    workspace or organisation, the default (its outside members are not in the policies, and
    they may change without Scout hearing of it)."""
    skip = set(exclude)
    placed = groups or {}
    found = [policies.for_user(m, placed.get(m, ())) for m in members if m not in skip]
    if shared:
        found.append(policies.default)
    return found
