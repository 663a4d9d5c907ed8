"""The churn section of the morning digest: a few numbers, the groups whose risk rose and
the three most at risk."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.churn.agent import CustomerChurnAgent

if TYPE_CHECKING:
    from agent.deps import Deps


@dataclass(frozen=True, kw_only=True)
class ChurnDigest:
    """Counts per risk level, value at risk, the backtest, the top customers and how many
    repeat customers are already lapsed (not counted as at risk)."""

    scored: int  # repeat customers not yet lapsed
    critical: int
    high: int
    value_at_risk: float
    precision: float | None
    top: tuple[tuple[str, float], ...]
    scored_by: str
    cohorts: tuple[str, ...] = ()  # one sentence per group whose risk rose
    lapsed: int = 0  # repeat customers already past their own churn line

    def lines(self) -> list[str]:
        """Plain lines for the digest post."""
        top = ", ".join(f"{cid} ({p:.0%})" for cid, p in self.top) or "none"
        backtest = (
            f"; {self.precision:.0%} of those flagged this way on past data did go quiet"
            if self.precision is not None
            else ""
        )
        lapsed = (
            f" Another {self.lapsed:,} are already lapsed (quiet past their own churn "
            "window): a win-back question, not a risk one."
            if self.lapsed
            else ""
        )
        return [
            f"Churn: {self.critical:,} critical and {self.high:,} high-risk customers "
            f"of {self.scored:,} repeat customers not yet lapsed; ${self.value_at_risk:,.0f} "
            f"of the next 12 months' revenue at risk{backtest}.{lapsed}",
            *(f"Cohort at risk: {text}." for text in self.cohorts),
            f"Most at risk: {top}.",
        ]


def churn_section(agent: CustomerChurnAgent, *, top: int = 3) -> ChurnDigest:
    """The numbers for the digest from one batch scan."""
    ranked = agent.ranked()
    overview = agent.overview()
    backtest = overview.backtest
    return ChurnDigest(
        scored=overview.scored,
        critical=overview.counts["critical"],
        high=overview.counts["high"],
        value_at_risk=overview.value_at_risk,
        precision=backtest.precision if backtest else None,
        top=tuple((str(cid), float(p)) for cid, p in ranked["probability"].head(top).items()),
        scored_by=overview.scored_by,
        cohorts=tuple(c.sentence() for c in agent.cohorts().cohorts),
        lapsed=overview.lapsed,
    )


async def churn_digest(deps: Deps) -> ChurnDigest:
    """The digest section over Scout's deps, off the event loop."""
    return await asyncio.to_thread(churn_section, CustomerChurnAgent.from_deps(deps))
