"""One story across metrics: the unusual days that are one event, told once.

A conversion drop in a region also shows as fewer orders and less revenue there, over the
same days; a basket-value spike shows as a revenue spike on its day. Alerted and
investigated one by one, that is three alerts for one event, and the investigations run
out before the next event is reached. So anomalies of the same segment, in the same
direction, over overlapping days, form one story, told by its most upstream metric: the
funnel rate explains orders and revenue, traffic explains orders; revenue, the business
outcome, leads its own parts (orders, basket value) when no rate moved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from agent.domain import Anomaly

# Earlier explains later. Metrics outside this list are stories of their own.
LEAD_ORDER = ("conversion_rate", "add_to_cart_rate", "sessions", "revenue", "orders", "aov")
# A part that moved implies its outcome moved: a basket-value spike is a revenue spike. The
# part is the sharper test (no order-count noise); once it has passed, the outcome in the
# same segment and days is confirmed at a one-sided 5% (gatekeeping: the outcome is tested
# only where its part was found, so the false-discovery control still holds; and the part
# has already fixed the direction, so only a move the same way can confirm it: z 1.645).
OUTCOME_OF = {"aov": "revenue"}
CONFIRM_Z = 1.645


@dataclass(frozen=True, kw_only=True)
class Story:
    lead: Anomaly
    companions: tuple[Anomaly, ...] = ()

    @property
    def strength(self) -> float:
        return max(abs(a.score) for a in (self.lead, *self.companions))


def group_stories(anomalies: Sequence[Anomaly]) -> list[Story]:
    """The anomalies as stories, the strongest story first; every anomaly is in exactly one."""
    groups: list[list[Anomaly]] = []
    for anomaly in sorted(anomalies, key=lambda a: -abs(a.score)):
        home = next(
            (
                group
                for group in groups
                if anomaly.metric in LEAD_ORDER
                and all(_same_event(anomaly, other) for other in group)
            ),
            None,
        )
        if home is None:
            groups.append([anomaly])
        else:
            home.append(anomaly)
    stories = []
    for group in groups:
        lead = min(group, key=_rank)
        stories.append(Story(lead=lead, companions=tuple(a for a in group if a is not lead)))
    return sorted(stories, key=lambda s: -s.strength)


def _rank(anomaly: Anomaly) -> tuple[int, float]:
    order = LEAD_ORDER.index(anomaly.metric) if anomaly.metric in LEAD_ORDER else len(LEAD_ORDER)
    return order, -abs(anomaly.score)


def _same_event(a: Anomaly, b: Anomaly) -> bool:
    return a.metric != b.metric and b.metric in LEAD_ORDER and same_days(a, b)


def same_days(a: Anomaly, b: Anomaly) -> bool:
    """Same segment, same direction, overlapping days."""
    if dict(a.where) != dict(b.where) or a.direction != b.direction:
        return False
    a_end, b_end = a.day + timedelta(days=a.days), b.day + timedelta(days=b.days)
    return a.day < b_end and b.day < a_end


def confirmed_outcomes(
    found: Sequence[Anomaly], judged: Callable[..., list[Anomaly]]
) -> list[Anomaly]:
    """The outcome of each part found (revenue for a basket-value spike) where it moved with
    it: the outcome's own run in the same segment and days, at the confirmation bar."""
    confirmed: list[Anomaly] = []
    relaxed: dict[tuple[str, int], list[Anomaly]] = {}
    for part in found:
        outcome = OUTCOME_OF.get(part.metric)
        if outcome is None or any(
            a.metric == outcome and same_days(a, part) for a in (*found, *confirmed)
        ):
            continue
        key = (outcome, part.days)
        if key not in relaxed:
            # Runs no longer than the part's, so the outcome is judged on the part's days.
            relaxed[key] = judged(
                outcome, min_z=(CONFIRM_Z,) * 3, fdr=1.0, one_name=False, max_run_days=part.days
            )
        match = next((a for a in relaxed[key] if same_days(a, part)), None)
        if match is not None:
            confirmed.append(match)
    return confirmed
