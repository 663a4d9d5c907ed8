"""Make untrusted text safe to send: neutralise data-borne markup, redact personal data, escape.

Everything free-form in an action (titles, bodies, product names, customer names, review
text) may come from data, so `safe_text` treats all of it as data:

0. Text is unmasked first: zero-width and bidi control characters are dropped (they hide a
   mention or a card number from every pattern, and bidi overrides show text reversed),
   fullwidth ASCII becomes ASCII (`＜!channel＞`, fullwidth digits) and `&lt;`/`&gt;` are
   decoded, so an entity-encoded `&lt;!channel&gt;` is neutralised like the real one.
1. Slack control sequences (`<!channel>`, `<!here>`, `<@U…>`, `<#C…>`, `<!subteam^…>`) become
   a visible placeholder; `<url|label>` keeps only the label; raw URLs are removed and bare
   domains defanged (`evil[.]com`) so Slack cannot auto-link them.
2. Personal data is redacted: emails, IBANs (mod-97 checked), phone numbers, card numbers
   (Luhn-checked), street addresses. Decision: redaction also applies inside code spans; PII in backticks still
   reaches people. Patterns without a local part (`'%@gmail.com'`) are not emails and stay.
3. `@here`/`@channel`/`@everyone` and `@handle` get a full-width at sign, so no client turns
   them into a ping; then `&`, `<`, `>` are escaped as Slack mrkdwn requires.

Phrases such as "ignore previous instructions" are left as inert text (Scout never executes
text) and reported by `injection_flags` so the outbox and audit log show them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from agent.domain import Finding

_SLACK_TOKEN = re.compile(r"<([!@#][^<>]*)>")
_SLACK_LINK = re.compile(r"<((?:https?|ftp|mailto|slack|tel):[^<>|]*)(?:\|([^<>]*))?>", re.I)
_URL = re.compile(r"\b(?:https?|ftp|slack)://[^\s<>\"')\]]+|\bwww\.[^\s<>\"')\]]+", re.I)
_DOMAIN = re.compile(
    r"\b((?:[a-z0-9-]+\.)+)(com|net|org|io|co|ru|cn|xyz|info|biz|app|dev|ly|me|top|site|online|link|click)\b",
    re.I,
)
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.I)
_HANDLE = re.compile(r"(?<![\w.])@(?=[A-Za-z0-9_])")

_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_CARD_CANDIDATE = re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)")
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d[\d ().-]{6,20}\d(?!\w)")
_PHONE_NANP = re.compile(r"(?<![\w.-])(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-]|\.\d)")
_PHONE_LOCAL = re.compile(r"(?<![\w.-])0\d{2,4}[ -]\d{3,4}[ -]\d{3,4}(?![\w-]|\.\d)")
_STREET_SUFFIX = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    "Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Loop|Trail|Close|Crescent"
)
# Street names are capitalised words or numbered streets ("W 42nd St").
_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:(?:[A-Z][a-zA-Z'-]*|\d{1,3}(?:st|nd|rd|th))\.?\s+){1,4}(?:"
    + _STREET_SUFFIX
    + r")\b\.?"
    r"(?:,?\s+(?:Apt|Unit|Suite|Ste|#)\.?\s*[\w-]+)?"
)
# A country code, two check digits, then 11-30 letters or digits, grouped by 4 or not.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
# Invisible characters that can split a token or reorder what a reader sees.
_INVISIBLE = dict.fromkeys(
    [173, 1564, 6158, *range(8203, 8208), *range(8234, 8239), *range(8288, 8304), 65279]
)
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_COMPACT_DATE = re.compile(r"^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")

_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+"
    r"(instructions|prompts?|rules)|\bsystem\s+prompt\b|\byou\s+are\s+now\b|"
    r"\bapprove\s+(this|all)\b",
    re.I,
)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    # Compact timestamps (20251215093000…) are Luhn-valid one time in ten; they are not cards.
    if 13 <= len(digits) <= 19 and luhn_ok(digits) and not _COMPACT_DATE.match(digits):
        return "[card]"
    return match.group(0)


def iban_ok(compact: str) -> bool:
    """The ISO 13616 mod-97 check every IBAN satisfies."""
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _iban(match: re.Match[str]) -> str:
    # The pattern may run on into a following word or number; the longest prefix that
    # checks is the IBAN, and the rest stays.
    text = match.group(0)
    ends = [i + 1 for i, ch in enumerate(text) if ch != " "]
    for end in reversed(ends):
        compact = text[:end].replace(" ", "")
        if len(compact) >= 15 and iban_ok(compact):
            return "[iban]" + text[end:]
    return text


def _intl_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[phone]" if 8 <= len(digits) <= 15 else match.group(0)


def unmask(text: str) -> str:
    """Text as a reader sees it: invisible characters dropped, fullwidth ASCII made ASCII,
    `&lt;`/`&gt;` decoded, so no pattern below is dodged by how a string is written."""
    text = text.translate(_INVISIBLE).translate(_FULLWIDTH)
    return text.replace("&lt;", "<").replace("&gt;", ">")


def redact_pii(text: str) -> str:
    """Replace emails, IBANs, card numbers, phone numbers and street addresses with
    placeholders."""
    text = _EMAIL.sub("[email]", unmask(text))
    text = _IBAN.sub(_iban, text)
    text = _CARD_CANDIDATE.sub(_card, text)
    text = _PHONE_INTL.sub(_intl_phone, text)
    text = _PHONE_NANP.sub("[phone]", text)
    text = _PHONE_LOCAL.sub("[phone]", text)
    return _ADDRESS.sub("[address]", text)


def _token(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner.startswith("@"):
        return "[mention removed]"
    if inner.startswith("#"):
        return "[channel removed]"
    return "[broadcast removed]"


def neutralise(text: str) -> str:
    """Strip Slack control sequences and links that arrived inside data."""
    text = unmask(text)
    text = _SLACK_LINK.sub(lambda m: m.group(2) or "[link removed]", text)
    text = _SLACK_TOKEN.sub(_token, text)
    return _URL.sub("[link removed]", text)


def _defuse(text: str) -> str:
    # Bare domains are defanged after email redaction, so an email is redacted whole.
    text = _DOMAIN.sub(lambda m: m.group(1)[:-1] + "[.]" + m.group(2), text)
    text = _BROADCAST.sub(lambda m: "＠" + m.group(1), text)
    return _HANDLE.sub("＠", text)


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_text(text: str) -> str:
    """Untrusted text made inert and redacted, not yet escaped (a renderer escapes it)."""
    return _defuse(redact_pii(neutralise(text)))


def safe_text(text: str) -> str:
    """Untrusted text → text that can be posted: neutralised, redacted, escaped."""
    return escape_mrkdwn(clean_text(text))


def clean_value(value: Any) -> Any:
    """`clean_text` applied to every string inside a value (mappings, sequences, scalars)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(clean_value(v) for v in value)
    return value


def clean_finding(finding: Finding) -> Finding:
    """A finding whose every text (title, summary, table cells, segments, chart labels, facts,
    proposals' reasons) is inert and redacted; numbers and the evidence SQL stay as they are.

    Data reaches findings as segment names, product names and table cells, so a planted card
    number or `<!channel>` would otherwise travel from the warehouse into a digest.
    """
    chart = finding.chart
    if chart is not None:
        chart = replace(
            chart,
            title=clean_text(chart.title),
            subtitle=clean_text(chart.subtitle),
            x_label=clean_text(chart.x_label),
            y_label=clean_text(chart.y_label),
            highlight=clean_value(chart.highlight),
            series=tuple(
                replace(s, name=clean_text(s.name), x=clean_value(s.x)) for s in chart.series
            ),
        )
    table = finding.table
    if table is not None:
        table = replace(table, columns=clean_value(table.columns), rows=clean_value(table.rows))
    return replace(
        finding,
        title=clean_text(finding.title),
        summary=clean_text(finding.summary),
        facts=clean_value(finding.facts),
        table=table,
        root_causes=tuple(replace(r, where=clean_value(r.where)) for r in finding.root_causes),
        anomalies=tuple(replace(a, where=clean_value(a.where)) for a in finding.anomalies),
        segments=clean_value(finding.segments),
        worst_items=clean_value(finding.worst_items),
        chart=chart,
        proposed_actions=tuple(
            replace(a, reason=clean_text(a.reason), target=clean_text(a.target))
            for a in finding.proposed_actions
        ),
        attachments={},  # files written from raw rows do not travel with a post
    )


@dataclass(frozen=True, kw_only=True)
class Sanitised:
    """Safe text plus what was found in the original (for the outbox and the audit log)."""

    text: str
    flags: tuple[str, ...]


def injection_flags(text: str) -> tuple[str, ...]:
    """Name what in `text` looks like an attempt to steer Scout or its readers."""
    flags: list[str] = []
    if _INJECTION.search(text):
        flags.append("instruction-like text")
    if _SLACK_TOKEN.search(text) or _BROADCAST.search(text):
        flags.append("mention or broadcast")
    if _SLACK_LINK.search(text) or _URL.search(text):
        flags.append("link")
    return tuple(flags)


def sanitise(text: str) -> Sanitised:
    """`safe_text` with the flags of what was neutralised or redacted."""
    flags = list(injection_flags(text))
    neutral = neutralise(text)
    if redact_pii(neutral) != neutral:
        flags.append("personal data redacted")
    return Sanitised(text=safe_text(text), flags=tuple(flags))
