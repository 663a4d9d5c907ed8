"""Periods named by an event Scout has no date for: "Prime Day revenue", "revenue during our
summer sale", "orders since the price change". Read as no period at all, each became the
intent's default (yesterday for a figure) and was answered as if it were the event; instead
Scout asks which period to use. Retail days the calendar knows (Black Friday, Easter …) are
dates, resolved before this is asked."""

from __future__ import annotations

import re

# Shopping events with no fixed date in the calendar (a marketplace's, or the shop's own).
_EVENTS = (
    r"prime (?:big deal )?days?|prime early access|singles day|amazon (?:prime )?(?:sale|event)|"
    r"(?:summer|winter|spring|fall|autumn|flash|clearance|anniversary|vip|friends and family|"
    r"mid season|end of season|warehouse|back to school|semi annual|annual) sales?"
)
# Something that happened to the shop, named after a word that places the request around it.
_HAPPENINGS = (
    r"(?:sale|promo|promotion|launch|relaunch|redesign|migration|replatform|rebrand|outage|"
    r"incident|site update|price (?:change|increase|rise|hike|drop|cut)s?|pricing change)"
)
_EVENT = re.compile(
    rf"\b(?P<event>{_EVENTS})\b|\b(?:since|during|after|before|around|through|throughout|"
    r"over|for|in|on) (?:the |our |that |this )?"
    rf"(?P<happening>(?:big |last |recent |new |latest )?{_HAPPENINGS})\b"
)


def unknown_event(norm: str) -> str | None:
    """The words of an event named as the period, that no date rule placed, if any."""
    found = _EVENT.search(norm)
    return None if found is None else found["event"] or found["happening"]
