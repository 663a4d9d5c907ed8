"""What a customer email says: one template per kind, in plain text and HTML.

Copy is fixed here; the only values that come from data are the product name and the
customer id, and each passes `clean_text` (Slack markup neutralised, personal data redacted,
domains defanged) and, for HTML, escaping. Nothing a proposer or a model wrote (a reason,
an offer's free text, a churn probability) is put in front of a customer. Every email ends
with an unsubscribe line.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.act.redact import clean_text
from agent.errors import PermanentActionError


@dataclass(frozen=True, kw_only=True)
class Letterhead:
    """Who the email is from, and how to stop receiving it (from scout.yml)."""

    brand: str
    sender: str
    unsubscribe_url: str | None = None


@dataclass(frozen=True, kw_only=True)
class Email:
    """A rendered email: subject, plain-text body and HTML body."""

    subject: str
    text: str
    html: str


def data_text(value: Any) -> str:
    """A value from data made safe for an email: inert, redacted, on one line."""
    return " ".join(clean_text(str(value)).split())


# A subject stays one header line however long the product's name is in the data.
SUBJECT_PRODUCT_CHARS = 200


def _shortened(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


def _winback(step: int, of: int, product: str, brand: str) -> tuple[str, list[str]]:
    """(subject, paragraphs) for step `step` of `of` of a win-back sequence."""
    if step == 1:
        bought = f" (your {product})" if product else ""
        return f"We miss you at {brand}", [
            f"It has been a while since your last order{bought}.",
            "A lot has arrived since then. Come and have a look: we kept a few things in "
            "mind for you.",
        ]
    if step < of:
        named = _shortened(product, SUBJECT_PRODUCT_CHARS)
        subject = f"Still thinking about {named}?" if product else f"Something new at {brand}"
        return subject, [
            "New arrivals and restocks are in, and shipping is free on your next order.",
            "If something did not work for you last time, reply to this email: a person "
            "reads every answer.",
        ]
    return f"One last note from {brand}", [
        "This is the last email in this series; we will not write about it again.",
        "Whenever you are ready, your account and your saved items are where you left them.",
    ]


def _offer(amount: float, brand: str) -> tuple[str, list[str]]:
    return f"${amount:,.2f} off your next order at {brand}", [
        f"Thank you for shopping with {brand}. Here is ${amount:,.2f} off your next order, "
        "applied at checkout to this account.",
        "The offer is for you only and does not need a code.",
    ]


def render_email(kind: str, params: Mapping[str, Any], letter: Letterhead) -> Email:
    """The email for an action of `kind` with these (validated) params."""
    brand = " ".join(letter.brand.split())
    product = data_text(params.get("product") or "")
    match kind:
        case "winback_email":
            subject, paragraphs = _winback(
                int(params.get("step", 1)), int(params.get("of", 1)), product, brand
            )
        case "winback_sequence":  # sent as one email when no sequence runner is wired
            subject, paragraphs = _winback(1, int(params.get("emails", 1)), product, brand)
        case "retention_offer":
            subject, paragraphs = _offer(float(params["amount"]), brand)
        case _:
            raise PermanentActionError(f"there is no email template for {kind} actions")
    unsubscribe = _unsubscribe(letter, brand)
    text = "\n\n".join(["Hello,", *paragraphs, f"— The {brand} team", "--", unsubscribe])
    body = "".join(f"<p>{html.escape(p)}</p>" for p in ["Hello,", *paragraphs])
    link = (
        f' <a href="{html.escape(letter.unsubscribe_url)}">Unsubscribe</a>.'
        if letter.unsubscribe_url
        else ""
    )
    page = (
        f"<!doctype html><html><body>{body}<p>— The {html.escape(brand)} team</p>"
        f'<hr><p style="font-size:12px;color:#666">{html.escape(unsubscribe)}{link}</p>'
        "</body></html>"
    )
    return Email(subject=subject, text=text + "\n", html=page)


def _unsubscribe(letter: Letterhead, brand: str) -> str:
    where = f" or visit {letter.unsubscribe_url}" if letter.unsubscribe_url else ""
    return (
        f"You receive this email because you have an account at {brand}. To stop these "
        f'emails, reply with "unsubscribe"{where}.'
    )
