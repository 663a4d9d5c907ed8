"""A campaign request: "segmentation for tomorrow's email campaign" names how the campaign
is sent (email), which is not a filter on the data (orders that came through email), and
"the newsletter going out friday" names when it is sent, which is not a period to analyse."""

from __future__ import annotations

import re

from agent.understand.windows import Mention

# The delivery of a campaign, as people name it, keyed by the channel value it would
# otherwise be read as; the word is not a filter on the data.
_DELIVERY = {
    "email": r"e-?mails?|newsletters?|crm e-?mails?|mailers?|e-?blasts?",
    "sms": r"sms|text messages?",
    "push": r"push(?: notifications?)?",
    "social": r"paid social|social(?: media)?(?: ads?)?|facebook(?: ads?)?|instagram(?: ads?)?|"
    r"tiktok(?: ads?)?|meta ads?",
    "paid_search": r"paid search|search ads?|google ads?|ppc|sem",
    "affiliate": r"affiliates?(?: partners?| network)?",
}
_WORDS = "|".join(_DELIVERY.values())
# What makes the delivery word a campaign rather than a source of traffic.
_SEND = (
    r"campaigns?|blasts?|sends?|push|promos?|promotions?|mailing|drops?|going out|goes out|"
    r"offers?|deals?|coupons?"
)
# A newsletter or a mailer is itself a send; no campaign word is needed.
_SELF_SENT = r"newsletters?|mailers?|e-?blasts?"
# Nouns after a delivery word that make it a source of traffic or a kind of customer.
_NOUNS = (
    r"channel|traffic|customers?|users?|buyers?|shoppers?|subscribers?|list|sessions?|"
    r"orders?|revenue|sales|conversions?|visitors?|signups?|opens?|clicks?|marketing"
)
_CAMPAIGN = re.compile(
    rf"\b(?P<word>{_WORDS})\b[\w\s'’-]{{0,20}}?\b(?:{_SEND})\b"
    rf"|\b(?:campaign|blast|send)\b[\w\s'’-]{{0,20}}?\b(?:by|via|over|as|on|through)\s+"
    rf"(?P<after>{_WORDS})\b"
    rf"|\b(?:for|in|with|to|into|before) (?:the |our |this |that |next |tomorrows? |\w+['’]?s )?"
    rf"(?P<alone>{_SELF_SENT})\b"
    # "for the black friday email", "in next week's sms": an email or a text someone sends,
    # named by its occasion; not "for the email channel" or "for email customers";
    # "planning a ski-season email": one being prepared.
    rf"|\b(?:for|in|with|into|before|carve|split|segment|planning|prepping|preparing|drafting)"
    rf" (?:the|our|this|that|next|tomorrows?|a|an|\w+['’]?s)"
    rf"(?: [\w'’-]+){{0,3}}? "
    rf"(?P<sent>e-?mail|sms|text|{_SELF_SENT})\b(?! (?:{_NOUNS})\b)",
    re.IGNORECASE,
)
# "the Earth Day email promised slower shipping", "people reacting to Monday's email": one
# message that went out, named by what it said or by the replies to it. It is the setting
# of any question, never a filter on the data.
_MESSAGE_SENT = re.compile(
    rf"\b(?:the|our|this|that|yesterdays?|\w+['’]s)(?: [\w'’-]+){{0,3}}? "
    rf"(?P<told>e-?mail|sms|text|{_SELF_SENT})\b (?:promised|said|says|announced|told|mentioned|"
    rf"promoted|offered|asked|invited|went out|goes out|teased|warned)\b"
    rf"|\b(?:reacting|responding|replying|reply|replies|reactions?) to (?:the |our |this |that |"
    rf"\w+['’]s )(?:[\w'’-]+ ){{0,3}}?(?P<replied>e-?mail|sms|text|{_SELF_SENT})\b",
    re.IGNORECASE,
)
# Words before a date that make it when the campaign goes out.
_SEND_DATE = re.compile(
    r"\b(?:going out|goes out|go out|sending|send(?:s|ing)? out|sent out|launch(?:es|ing)?|"
    r"going live|goes live|drops?|dropping|scheduled|planned|lands?|landing|hits?|hitting|"
    # "the instagram push on thursday": the send named, then its day.
    r"campaign|blast|push|send|newsletter|mailer|promo|promotion|offer|deal|coupon|"
    # "the gift-guide email on Thursday", "in the flow before Cyber Monday": its day, or
    # the deadline for the list.
    r"e ?mails?|sms|texts?|before|ahead of|in time for|until|till)"
    r"(?: (?:on|this|for|by))?\s*$"
)
# A date naming the occasion of the send right before it: "the black friday email",
# "friday's newsletter", "the christmas campaign".
_OCCASION = re.compile(
    r"^s? (?:\w+ )?(?:e ?mails?|sms|texts?|newsletters?|mailers?|campaigns?|blasts?|push|"
    r"promos?|promotions?|offers?|deals?|coupons?|sends?|drops?)\b"
)


def campaign_delivery(text: str) -> str | None:
    """'email' for "tomorrow's email campaign" (how the campaign is sent), else None."""
    match = _CAMPAIGN.search(text)
    if match is None:
        return None
    word = match.group("word") or match.group("after") or match.group("alone") or match["sent"]
    return _delivery_of(word)


def message_sent(text: str) -> str | None:
    """'email' for "the Earth Day email promised …" (a message that went out), else None."""
    match = _MESSAGE_SENT.search(text)
    if match is None or (delivery := _delivery_of(match["told"] or match["replied"])) is None:
        return None
    # "how much did email bring in? the newsletter went out Saturday": named apart, the
    # channel is asked about too.
    rest = text[: match.start()] + " " + text[match.end() :]
    return None if re.search(rf"\b(?:{_DELIVERY[delivery]})\b", rest, re.I) else delivery


def _delivery_of(word: str | None) -> str | None:
    word = (word or "").lower()
    return next((name for name, pattern in _DELIVERY.items() if re.fullmatch(pattern, word)), None)


def is_campaign(text: str) -> bool:
    """The request prepares a campaign (lists to send to), not only an analysis."""
    return campaign_delivery(text) is not None or bool(
        re.search(
            r"\b(?:campaign|promo|promotion|blast|mailer|newsletter|push\b|winback|win-back|"
            r"send\b|goes out|going out)",
            text,
            re.I,
        )
    )


def is_send_date(norm: str, mention: Mention) -> bool:
    """The date says when the campaign goes out ("the newsletter going out friday")."""
    return bool(_SEND_DATE.search(norm[: mention.start]) or _OCCASION.match(norm[mention.end :]))


_ACQUIRED = re.compile(
    r"\b(?:acquired|came|come|coming|joined|signed up|converted|arrived|sourced)\s+"
    r"(?:(?:in|first)\s+)?(?:by|via|through|from|on|over)\s+(?:the\s+)?(?P<word>[\w-]+)"
    # "segment our new customers from email": who came that way.
    r"|\b(?:customers|buyers|shoppers)\s+(?:from|via|through)\s+(?:the\s+)?(?P<noun>[\w-]+)",
    re.IGNORECASE,
)


def acquired_through(text: str, channel: str) -> bool:
    """The text filters on how customers were acquired ("customers acquired via email"),
    so the channel is a real filter even when a campaign is sent the same way."""
    return any(
        (m.group("word") or m.group("noun")).lower().replace("-", "") == channel.replace("_", "")
        for m in _ACQUIRED.finditer(text)
    )
