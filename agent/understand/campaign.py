"""A campaign request: "segmentation for tomorrow's email campaign" names how the campaign
is sent (email), which is not a filter on the data (orders that came through email)."""

from __future__ import annotations

import re

# The delivery of a campaign, as people name it; the word is not a filter on the data.
_DELIVERY = {
    "email": r"e-?mails?|newsletters?|crm e-?mails?",
    "sms": r"sms|text messages?",
    "push": r"push(?: notifications?)?",
}
_CAMPAIGN = re.compile(
    r"\b(?P<word>" + "|".join(_DELIVERY.values()) + r")\b[\w\s'’-]{0,20}?\b(?:campaign|blast|send)"
    r"|\b(?:campaign|blast|send)\b[\w\s'’-]{0,20}?\b(?:by|via|over|as)\s+(?P<after>"
    + "|".join(_DELIVERY.values())
    + r")\b",
    re.IGNORECASE,
)


def campaign_delivery(text: str) -> str | None:
    """'email' for "tomorrow's email campaign" (how the campaign is sent), else None."""
    match = _CAMPAIGN.search(text)
    if match is None:
        return None
    word = (match.group("word") or match.group("after") or "").lower()
    return next((name for name, pattern in _DELIVERY.items() if re.fullmatch(pattern, word)), None)


def is_campaign(text: str) -> bool:
    """The request prepares a campaign (lists to send to), not only an analysis."""
    return campaign_delivery(text) is not None or bool(re.search(r"\bcampaign", text, re.I))


_ACQUIRED = re.compile(
    r"\b(?:acquired|came|come|coming|joined|signed up|converted|arrived|sourced)\s+"
    r"(?:(?:in|first)\s+)?(?:by|via|through|from|on|over)\s+(?:the\s+)?(?P<word>[\w-]+)",
    re.IGNORECASE,
)


def acquired_through(text: str, channel: str) -> bool:
    """The text filters on how customers were acquired ("customers acquired via email"),
    so the channel is a real filter even when a campaign is sent the same way."""
    return any(
        m.group("word").lower().replace("-", "") == channel for m in _ACQUIRED.finditer(text)
    )
