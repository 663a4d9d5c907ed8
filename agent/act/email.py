"""Email over SMTP: an `agent.act` integration for the kinds whose handler is "email".

    integrations:
      email:
        smtp_url: smtps://mail.example.com:465     # or smtp://host:587 (STARTTLS)
        from: Shop <hello@shop.example>
        starttls: true                             # smtp:// only; smtps:// is TLS from the start
        brand: Example Shop
        unsubscribe_url: https://shop.example/unsubscribe

The password comes from `SCOUT_SMTP_PASSWORD` (the user from the URL: smtp://user@host).
The customer's address and consent are read from the warehouse just before each send
(agent.semantic.contacts): never stored, never emailed when opted out or unknown.

What the server says is what Scout reports: "sent (250 …)" only once the server accepted the
message; a 4xx reply, a refused connection or a timeout is worth retrying later; a 5xx reply is
a permanent no (the address does not exist, the message was rejected).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from agent.act.contacts import Contact, ContactBook
from agent.act.integration_settings import PASSWORD_ENV, EmailSection
from agent.act.ports import Clock, Integration, utc_now
from agent.act.records import Delivery, OutboundMessage
from agent.act.templates import Letterhead, render_email
from agent.errors import (
    ConfigError,
    PermanentActionError,
    TransientActionError,
    WarehouseError,
)

# Python's email package folds a long header with a non-ASCII character between a plain word
# and an encoded word, and readers then show a space inside the word ("everyon e"). Headers
# are kept on one line (SMTP allows 998 characters; templates keep subjects far shorter).
UNFOLDED = policy.default.clone(max_line_length=998)


class SmtpEmail:
    """Sends customer emails through one SMTP server; implements `Integration`."""

    def __init__(
        self,
        section: EmailSection,
        contacts: ContactBook,
        *,
        password: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.section = section
        self.contacts = contacts
        self.password = password or None
        self.clock = clock
        parts = urlsplit(section.smtp_url)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 587 if section.starttls else 25)
        self.username = parts.username or None
        self.letter = Letterhead(
            brand=section.brand, sender=section.sender, unsubscribe_url=section.unsubscribe_url
        )

    async def reach(self, customer_id: str) -> Contact | None:
        """The customer's contact details as the warehouse holds them now."""
        try:
            return await self.contacts.contact(customer_id)
        except WarehouseError as error:  # the warehouse may be back in a minute
            raise TransientActionError(f"the warehouse could not answer: {error}") from error

    async def deliver(self, message: OutboundMessage) -> Delivery:
        customer = str(message.params.get("customer_id") or "")
        if not customer:
            raise PermanentActionError(f"a {message.kind} action names no customer to email")
        contact = await self.reach(customer)
        problem = unreachable(customer, contact)
        if problem or contact is None or contact.email is None:
            raise PermanentActionError(problem or f"{customer} has no email address")
        email = render_email(message.kind, message.params, self.letter)
        mail = EmailMessage(policy=UNFOLDED)
        mail["From"] = self.section.sender
        mail["To"] = contact.email
        mail["Subject"] = email.subject
        mail["Date"] = format_datetime(self.clock())
        # The same action always has the same Message-ID, so a receiving system can drop a
        # duplicate even if the server's answer to the first one was lost.
        digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
        mail["Message-ID"] = f"<{digest}@scout.invalid>"
        mail["List-Unsubscribe"] = self._list_unsubscribe()
        mail.set_content(email.text)
        mail.add_alternative(email.html, subtype="html")
        reply = await self._send(mail)
        return Delivery(via="email", ref=reply)

    def _list_unsubscribe(self) -> str:
        address = parseaddr(self.section.sender)[1]
        links = [f"<mailto:{address}?subject=unsubscribe>"]
        if self.section.unsubscribe_url:
            links.append(f"<{self.section.unsubscribe_url}>")
        return ", ".join(links)

    async def _send(self, mail: EmailMessage) -> str:
        """Hand the message to the server; its reply, or the error it deserves."""
        # Imported here: the settings above are read at every start, the SMTP client only
        # when an email goes out (its email-header parser alone costs ~40 ms).
        import aiosmtplib

        # Flattened here: aiosmtplib's own flattening would fold the headers again.
        raw = mail.as_bytes(policy=UNFOLDED.clone(linesep="\r\n"))
        try:
            _, reply = await aiosmtplib.send(
                raw,
                sender=parseaddr(str(mail["From"]))[1],
                recipients=[parseaddr(str(mail["To"]))[1]],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password if self.username else None,
                use_tls=self.tls,
                start_tls=False if self.tls else self.section.starttls,
                timeout=self.section.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusals = error.recipients
            code = max(r.code for r in refusals) if refusals else 550
            text = refusals[0].message if refusals else "recipient refused"
            raise _refusal(code, text) from error
        except aiosmtplib.SMTPResponseException as error:
            raise _refusal(error.code, error.message) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            if "STARTTLS" in str(error):  # a setting to fix, not a moment to wait out
                raise PermanentActionError(
                    f"{self.host}:{self.port} does not offer STARTTLS; use smtps://, or "
                    "starttls: false only for a server on a trusted network"
                ) from error
            # Connection refused, dropped or timed out: nothing was accepted; try again later.
            raise TransientActionError(
                f"SMTP server {self.host}:{self.port} unreachable: {error}"
            ) from error
        return f"250 {reply.strip()}" if not reply[:3].isdigit() else reply.strip()


def _refusal(code: int, text: str) -> TransientActionError | PermanentActionError:
    reply = f"SMTP {code} {' '.join(str(text).split())}"
    if 400 <= code < 500:
        return TransientActionError(reply)
    return PermanentActionError(reply)


def unreachable(customer: str, contact: Contact | None) -> str | None:
    """Why this customer must not be emailed, or None when they may be."""
    if contact is None:
        return f"no customer {customer} in the warehouse"
    if not contact.email:
        return f"{customer} has no email address"
    if contact.opted_out:
        return f"{customer} opted out of email"
    if contact.opted_out is None:
        return (
            f"consent for {customer} is unknown: semantic.yml declares no opt-out column "
            "(entities.customer.contact.opt_out), and Scout emails no one it cannot check"
        )
    return None


def email_integrations(
    section: EmailSection | None,
    contacts: ContactBook,
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock = utc_now,
) -> dict[str, Integration]:
    """{"email": SmtpEmail} when configured; a user in the URL without a password is an error."""
    if section is None:
        return {}
    password = (env if env is not None else os.environ).get(PASSWORD_ENV, "")
    if urlsplit(section.smtp_url).username and not password:
        raise ConfigError(
            [f"integrations.email.smtp_url names a user but {PASSWORD_ENV} is not set"]
        )
    return {"email": SmtpEmail(section, contacts, password=password, clock=clock)}


__all__ = ["PASSWORD_ENV", "EmailSection", "SmtpEmail", "email_integrations", "unreachable"]
