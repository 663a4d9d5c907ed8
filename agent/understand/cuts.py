"""Cuts of a metric the semantic layer cannot make, named by how people ask for them: an hour
of the day, resolved tickets, orders with a discount, large orders, the top customers, a
ratio it does not define, distinct people. Answering the metric without the cut would read as
the cut's answer ("orders between 9am and 5pm" with the whole day's orders), so each is
refused with the reason, and what Scout can give instead. Patterns read the request's shape
(agent/understand/slots.py: each metric is `_metric_`, each value `_value_`, each period
`_date_`), so they hold whatever metric or period is named."""

from __future__ import annotations

import re
from dataclasses import dataclass

_P = re.compile
FUNNEL_STEP = (
    "The layer's conversion rate is purchases per session; a step of the funnel "
    "(cart to purchase, checkout to purchase, abandonment) is no metric of its own. Ask why "
    "conversion changed: the answer gives each step's rate."
)
# A funnel step named with no metric of the layer: "cart abandonment rate", "checkout to
# purchase rate by device", "funnel by device".
_FUNNEL_STEP = _P(
    r"\b(?:cart|checkout|basket)s? abandon\w*|\babandon\w* (?:carts?|checkouts?|baskets?)\b|"
    r"\b(?:checkout|cart|basket)s? (?:to|into) (?:purchase|order|buy|sale)s?\b|"
    r"\bfunnel (?:\S+ )?(?:by|per|for each|split by|across) (?:_dimension_|_value_)"
)
_CLOCK = r"\d{1,2}(?::\d\d)? ?(?:am|pm)"


@dataclass(frozen=True, kw_only=True)
class Cut:
    pattern: re.Pattern[str]
    why: str
    # The metrics the cut is about, when it is about some only ("distinct buyers" are the
    # customers metric itself; "distinct visitors" are no metric).
    metrics: frozenset[str] | None = None


CUTS: tuple[Cut, ...] = (
    Cut(
        # "orders between 9am and 5pm", "revenue in the evening"; never "before the 10am"
        # (a meeting), which names no metric's hours.
        pattern=_P(
            rf"_metric_ (?:\S+ ){{0,3}}?(?:between|from|before|after|since|until) {_CLOCK}\b|"
            rf"\bbetween {_CLOCK} and {_CLOCK}\b|"
            r"_metric_ (?:\S+ ){0,2}?(?:in|during) the (?:morning|afternoon|evening|night)s?\b|"
            r"\b(?:morning|afternoon|evening|overnight|night time|late night) _metric_"
        ),
        why=(
            "The data is kept by day, so it can't cut a day by the hour; ask for the whole "
            "day, or for the period day by day."
        ),
    ),
    Cut(
        pattern=_P(
            r"\b(?:un ?resolved|resolved|unsolved|solved|open|closed|pending) _metric_|"
            r"_metric_ (?:that|which) (?:are|were|got|have been|has been|is) (?:still )?"
            r"(?:un ?resolved|resolved|solved|open|closed|pending)\b"
        ),
        why=(
            "The data can't keep only resolved or open tickets: tickets are counted by the day "
            "they were opened, and split by topic, region or channel."
        ),
    ),
    Cut(
        pattern=_P(
            r"\bdiscount(?:ed)? _metric_|_metric_ (?:with|using|that used|on) (?:a |any |the )?"
            r"(?:discount|coupon|promo(?: code)?|voucher)s?\b"
        ),
        why=(
            "The data can't keep only orders with a discount or a coupon: the semantic layer "
            "has no such field."
        ),
    ),
    Cut(
        pattern=_P(
            r"_metric_ from (?:the )?(?:large|big|small|high value|low value|bulk) _metric_"
        ),
        why=(
            "The data can't keep only large or small orders: it cuts by region, device, "
            "channel, customer type and category, not by an amount."
        ),
    ),
    Cut(
        # "revenue from our top 10 customers"; "who are our top customers?" is a segmentation.
        pattern=_P(
            r"_metric_ (?:from|of|by|among) (?:our |the )?(?:top|best|biggest|largest) (?:\d+ )?"
            r"(?:_metric_|buyers|clients|accounts|spenders)\b"
        ),
        why=(
            "The data can't keep only the top customers for a metric; a customer segmentation "
            "(\u201csegment our customers\u201d) finds the best by recency, frequency and spend."
        ),
    ),
    Cut(
        # "ratio of returning to new customers": a ratio the layer does not define.
        pattern=_P(r"\bratio (?:of|between) (?:\S+ ){1,3}?(?:to|and|vs|versus) |_metric_ ratio\b"),
        why=(
            "The semantic layer defines no such ratio; I can give both figures for the same "
            "period, or a ratio it defines (average order value, conversion rate, return rate)."
        ),
    ),
    Cut(
        pattern=_P(r"\b(?:unique|distinct|individual|deduplicated|deduped) _metric_"),
        why=(
            "The warehouse counts sessions and customers who ordered, not distinct visitors; "
            "ask for sessions or customers."
        ),
        metrics=frozenset(["sessions"]),
    ),
    Cut(
        # "revenue in euros": amounts are in the warehouse's currency.
        pattern=_P(
            r"_metric_ (?:\S+ ){0,3}?(?:in|into|to) (?:euros?|eur|gbp|pounds?|sterling|yen|jpy|"
            r"cad|aud|rupees?|inr|yuan|rmb|cny|francs?|chf|pesos?|mxn|reais|brl)\b"
        ),
        why="The warehouse's amounts are in its own currency (USD); it can't convert them.",
    ),
    Cut(
        # "how many conversions did we get?": a count asked of the rate's word.
        pattern=_P(r"\b(?:how many|number of|count of|no of) (?:\S+ )?_metric_|_metric_ count\b"),
        why=(
            "The layer has the conversion rate, not a count of conversions; orders counts the "
            "purchases made."
        ),
        metrics=frozenset(["conversion_rate"]),
    ),
    Cut(
        # "sessions that converted": the conversion rate's numerator, no metric of its own.
        pattern=_P(r"_metric_ (?:that|which) (?:_metric_|converted|bounced|purchased)\b"),
        why=(
            "Converted sessions are no metric of their own in the layer: it has the conversion "
            "rate (converted sessions over sessions) and orders."
        ),
        metrics=frozenset(["sessions"]),
    ),
    Cut(
        # "checkout-to-purchase conversion", "conversion for visitors who added to cart": one
        # step of the funnel, not the layer's purchases per session.
        pattern=_P(
            r"\b(?:checkout|cart|basket|add to cart|product page|pdp)s? (?:to|into) "
            r"(?:purchase|order|checkout|buy|sale)s? _metric_|"
            r"_metric_ (?:for|of|among|from) (?:_metric_|visitors|people|users|shoppers|buyers) "
            r"(?:who|that) (?:added|reached|started|got to|began|abandoned)\b|"
            # "add to cart to purchase rate", "cart conversion rate", "what % of carts
            # convert": answered with the session rate they were 4-20 times off (the steps
            # are 30-70%). "checkout conversion" alone is the site's rate in the labelled sets.
            r"_metric_ (?:to|into) (?:purchase|order|checkout|buy|sale)s?\b|"
            r"\b(?:cart|basket)s? _metric_|"
            r"\b(?:of|among) (?:the |our |all )?(?:carts|checkouts|baskets) (?:that )?_metric_"
        ),
        why=FUNNEL_STEP,
        metrics=frozenset(["conversion_rate", "add_to_cart_rate"]),
    ),
    Cut(
        # "forecast revenue for next week", "how many units should we stock": Scout reads what
        # happened; answering with yesterday's figure would read as the forecast.
        pattern=_P(
            r"\b(?:forecast|predict|project|estimate)(?:ed|ing|ion|ions)? (?:for |of )?"
            # "forecast units vs actual units" checks the planners' forecast: not refused.
            r"(?:the |our |total )?(?:_value_ )?_metric_(?! (?:\S+ )?(?:vs|versus|against)\b)|"
            r"\bwhat will (?:the |our )?(?:_value_ )?_metric_ be\b|"
            r"\bhow (?:much|many) (?:\S+ ){0,3}?(?:will|should) we (?:stock|sell|make|order|need)\b"
        ),
        why=(
            "I can't forecast: I read what has happened. For stock, the inventory check compares "
            'the planners\' forecasts with sales ("are we over-forecasting sports?"); for a '
            "run-rate, ask for the metric over the last four weeks."
        ),
    ),
)


def uncut(shape: str, metric: str) -> str | None:
    """Why a cut of `metric` the request asks for cannot be made, if the layer lacks it."""
    for cut in CUTS:
        if (cut.metrics is None or metric in cut.metrics) and cut.pattern.search(shape):
            return cut.why
    return None


def funnel_step(shape: str) -> str | None:
    """Why a funnel step's rate named with no metric cannot be given, if one is named."""
    return FUNNEL_STEP if _FUNNEL_STEP.search(shape) else None
