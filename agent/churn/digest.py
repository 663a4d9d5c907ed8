"""The churn section of the morning digest: a few numbers and the three most at risk."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.churn.agent import CustomerChurnAgent

if TYPE_CHECKING:
    from agent.deps import Deps


@dataclass(frozen=True, kw_only=True)
class ChurnDigest:
    """Counts per risk level, value at risk and the top customers, as of a day."""

    active: int
    critical: int
    high: int
    value_at_risk: float
    top: tuple[tuple[str, float], ...]
    scored_by: str

    def lines(self) -> list[str]:
        """Plain lines for the digest post."""
        top = ", ".join(f"{cid} ({p:.0%})" for cid, p in self.top) or "none"
        return [
            f"Churn: {self.critical:,} critical and {self.high:,} high-risk customers "
            f"of {self.active:,} active; ${self.value_at_risk:,.0f}/yr at risk.",
            f"Most at risk: {top}.",
        ]


def churn_section(agent: CustomerChurnAgent, *, top: int = 3) -> ChurnDigest:
    """The numbers for the digest from one batch scan."""
    ranked = agent.ranked()
    levels = ranked["risk_level"]
    worrying = ranked[levels.isin(("high", "critical"))]
    return ChurnDigest(
        active=len(ranked),
        critical=int((levels == "critical").sum()),
        high=int((levels == "high").sum()),
        value_at_risk=float(worrying["value_at_risk"].sum()),
        top=tuple((str(cid), float(p)) for cid, p in ranked["probability"].head(top).items()),
        scored_by=agent.model.describe(),
    )


async def churn_digest(deps: Deps) -> ChurnDigest:
    """The digest section over Scout's deps, off the event loop."""
    return await asyncio.to_thread(churn_section, CustomerChurnAgent.from_deps(deps))
