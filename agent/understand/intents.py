"""What kind of question it is: cue phrases, and the precedence that settles conflicts.

Cues are looked for in the normalised text with metric names and date phrases masked out, so
"forecast accuracy" (a metric) or "compared to October" (a baseline) do not double as cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.domain import Grain, Intent

_P = re.compile

CUES: dict[str, re.Pattern[str]] = {
    "why": _P(
        r"\b(?:why|how come|what happened|whats happening|what is happening|whats going on|"
        r"what is going on|what went wrong|root cause|what caused|whats causing|what is causing|"
        r"what drove|whats driving|what is driving|explain|reasons? for|cause of|causes of|"
        r"behind the|responsible for)\b"
    ),
    "move": _P(
        r"\b(?:drop|drops|dropped|dropping|fell|fall|falling|fallen|declined?|declining|"
        r"decreased?|decreasing|tank|tanked|tanking|plunged?|plummet(?:ed|ing)?|crash(?:ed|ing)?|"
        r"dip|dipped|dipping|slump(?:ed)?|collapsed?|jump(?:ed)?|surged?|spiked|soared?|"
        r"increased|rose|risen|shot up|went up|gone up|went down|gone down|so low|so high|"
        r"worse|underperform(?:ing|ed)?|off a cliff|nosedived?|sank|sink(?:ing)?)\b"
        # "sales down", "revenue is way up": a level moving, not "break it down".
        r"|(?:#|\bis|\bare|\bwas|\bwere|\bbeen|\bso|\bway|\bgone|\bwent|\bgoing) "
        r"(?:# |way |so |much )?(?:down|up)\b"
    ),
    "investigate": _P(
        r"\b(?:investigate|investigation|look into|looking into|dig into|dig in|deep dive|"
        r"drill into|drill down|figure out|analy[sz]e|analysis|diagnose)\b"
    ),
    "compare": _P(r"\b(?:vs|versus|v|compare|compared|comparison|against|relative to)\b"),
    "breakdown": _P(
        r"\b(?:break ?down|broken down|break (?:it|that|this|them) down|split (?:by|out)|"
        r"for each|mix|share by|leaderboard|rank(?:ed|ing)?|top \d+|bottom \d+)\b"
    ),
    "trend": _P(
        r"\b(?:trends?|trending|trendline|over time|time series|daily|weekly|monthly|"
        r"day by day|week by week|month by month|by (?:day|week|month|date)|"
        r"per (?:day|week|month)|each (?:day|week|month)|history|historical|chart|plot|graph|"
        r"trajectory|evolution|timeline|how (?:has|have) .+ (?:changed|moved|evolved|developed))\b"
    ),
    "detect": _P(
        r"\b(?:unusual|anomal(?:y|ies|ous)|spikes?|outliers?|weird|strange|odd|abnormal|"
        r"out of the ordinary|anything (?:wrong|off|broken|break|broke|i should know|"
        r"to worry about|interesting)|"
        r"something (?:wrong|off)|red flags?|surprises?|unexpected|irregular)\b"
    ),
    "segment": _P(
        r"\b(?:segmentation|segment (?:our |the |my |all )?(?:customers|users|buyers|base|#)|"
        r"(?<!which )(?<!what )segments|rfm|audiences?|cohorts?|clusters?|clustering|personas?|"
        r"lookalikes?|target list|who should we target)(?!\w)"
    ),
    "churn": _P(
        r"\b(?:churn\w*|at risk|likely to (?:leave|cancel|churn|lapse)|leaving|retention|"
        r"retain|lapsed|lapsing|win ?back|attrition|stop(?:ped)? buying|going to leave|"
        r"about to leave)\b"
    ),
    "forecast_words": _P(
        r"\b(?:forecasts?|forecasting|forecasted|predictions?|predicted|predictive|"
        r"inventory|demand plan(?:ning)?|stock levels?)\b"
    ),
    "forecast_doubt": _P(
        r"\b(?:off|wrong|accurate|accuracy|inaccurate|bad|broken|check|reliable|trust|"
        r"good|quality|bias|biased|performing|missing|miss|drift(?:ing|ed)?|error|errors)\b"
    ),
    "digest_strong": _P(
        r"\b(?:digest|morning report|daily report|daily summary|weekly summary|kpi report|"
        r"kpi summary|kpi update|morning update|what did i miss|catch me up|standup|stand up)\b"
    ),
    "digest": _P(
        r"\b(?:summary|summari[sz]e|recap|overview|highlights|how are we doing|"
        r"(?:how is|hows) (?:the )?business|how are things|how are we tracking|"
        r"state of the business|kpis|status update|the numbers|our numbers|how did we do)\b"
    ),
    "help": _P(
        r"\b(?:help|what can you do|what do you do|how do (?:i|you) (?:use|work)|commands|"
        r"usage|who are you|what are you|getting started|how does (?:this|it|scout) work|"
        r"capabilities|what can i ask|examples?|how to use)\b"
    ),
    # Requests to do something rather than to know something: Scout only proposes actions,
    # through its guardrails, so a chat message can never trigger one.
    "action": _P(
        r"\b(?:approve|approved|authori[sz]e|execute|transfer|payout|wire|grant|"
        r"issue (?:a |the )?(?:refund|discount|credit|coupon)s?|"
        r"(?:give|offer|apply) .{0,30}(?:discount|refund|credit|coupon|voucher|money)|"
        r"send \$|delete|wipe|disable|shut (?:it )?down|turn off)\b"
    ),
    "greeting": _P(r"^(?:hi|hello|hey|yo|thanks|thank you|thx|ty|good morning|morning)(?: \w+)?$"),
    "followup": _P(
        r"^(?:what about|how about|and|same (?:for|but|thing)|now|ok|okay|also|what if|"
        r"and what about|then|instead|just)\b|\b(?:that|it|this|those|them|instead|same)\b"
    ),
    "overall": _P(r"\b(?:overall|everywhere|all regions|in total|across the board|total)\b"),
}

GRAINS: tuple[tuple[re.Pattern[str], Grain], ...] = (
    (_P(r"\b(?:daily|by day|per day|each day|day by day|by date)\b"), "day"),
    (_P(r"\b(?:weekly|by week|per week|each week|week by week|wow)\b"), "week"),
    (_P(r"\b(?:monthly|by month|per month|each month|month by month)\b"), "month"),
)

# Words before a dimension that make it the grouping: "by region", "which channel".
GROUP_BEFORE = frozenset(
    [
        "by",
        "per",
        "across",
        "each",
        "every",
        "which",
        "what",
        "top",
        "bottom",
        "best",
        "worst",
        "all",
        "different",
        "among",
        "biggest",
        "highest",
        "lowest",
        "most",
        "least",
        "individual",
    ]
)
GROUP_AFTER = frozenset(["breakdown", "split", "mix", "level", "wise", "by"])


@dataclass(frozen=True, kw_only=True)
class Cues:
    """Which cue families the text shows."""

    found: frozenset[str]
    grain: Grain | None

    def has(self, *names: str) -> bool:
        return any(n in self.found for n in names)


def find_cues(masked: str) -> Cues:
    """Cue families present in text whose metric and date phrases are already masked."""
    found = frozenset(name for name, rx in CUES.items() if rx.search(masked))
    grain = next((g for rx, g in GRAINS if rx.search(masked)), None)
    return Cues(found=found, grain=grain)


@dataclass(frozen=True, kw_only=True)
class Slots:
    """What the text names, independent of intent."""

    metric: str | None
    has_filters: bool
    has_compare: bool
    has_group: bool
    has_window: bool
    has_time_baseline: bool
    customer_id: str | None
    forecast_metric: bool


def decide(cues: Cues, slots: Slots) -> tuple[Intent | None, bool]:
    """The intent and whether a cue stated it (False: inferred from what was named).

    None means nothing recognisable: the caller turns it into unknown (or a follow-up).
    """
    why = cues.has("why", "move")
    if cues.has("action"):
        return None, True
    if cues.has("churn") or (slots.customer_id and not why):
        return Intent.CHURN, True
    if cues.has("segment") and not (why and slots.metric):
        return Intent.SEGMENT, True
    if cues.has("digest_strong"):
        return Intent.DIGEST, True
    forecast = slots.forecast_metric or (slots.metric is None and cues.has("forecast_words"))
    if (
        forecast
        and not cues.has("trend", "breakdown", "compare")
        and not slots.has_group
        and (why or cues.has("investigate", "forecast_doubt") or slots.forecast_metric)
    ):
        return Intent.FORECAST_CHECK, True
    if cues.has("detect") and not cues.has("why"):
        return Intent.DETECT, True
    if why:
        return Intent.EXPLAIN, True
    if cues.has("trend") or (cues.grain and not slots.has_group):
        return Intent.TREND, True
    if slots.has_compare or slots.has_time_baseline:
        return Intent.COMPARE, True
    if slots.has_group or cues.has("breakdown"):
        return Intent.BREAKDOWN, True
    if cues.has("investigate") and slots.metric:
        return Intent.EXPLAIN, True
    if cues.has("digest") and slots.metric is None:
        return Intent.DIGEST, True
    if cues.has("compare"):
        return Intent.COMPARE, True
    if slots.metric:
        return Intent.LOOKUP, False
    if cues.has("help", "greeting"):
        return Intent.HELP, True
    if cues.has("investigate"):
        return Intent.EXPLAIN, True
    return None, False


NEEDS_METRIC = frozenset(
    {Intent.LOOKUP, Intent.TREND, Intent.BREAKDOWN, Intent.COMPARE, Intent.EXPLAIN}
)
