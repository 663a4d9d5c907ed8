"""A loopback SMTP server (aiosmtpd) that keeps what it receives: the demo's mailbox.

`make demo` points `integrations.email` at it, so an approved win-back really travels over
SMTP through Scout's email integration and the demo prints what the server received. Tests
use it as the network boundary too, scripting 4xx/5xx answers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from rich.console import Console

from agent.act.email import EmailSection
from agent.config import ScoutConfig


@dataclass
class Mailbox:
    """What the server received, and the replies it is told to give (RCPT, then DATA)."""

    received: list[EmailMessage] = field(default_factory=list)
    # Each entry answers one RCPT TO: "250" accepts, "451 …" or "550 …" refuses.
    rcpt_script: list[str] = field(default_factory=list)
    queued: int = 0

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.rcpt_script.pop(0) if self.rcpt_script else "250 OK"
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed: Any = message_from_bytes(raw, policy=policy.default)
        self.received.append(parsed)
        self.queued += 1
        return f"250 2.0.0 Ok: queued as DEMO{self.queued:04d}"


class LoopbackSmtp:
    """`async with LoopbackSmtp() as server:` serves on 127.0.0.1:`server.port`."""

    def __init__(self, mailbox: Mailbox | None = None) -> None:
        self.mailbox = mailbox or Mailbox()
        self.port = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackSmtp:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self.mailbox, hostname="mail.scout.test"), "127.0.0.1", 0
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop listening (a later send is refused: what a server restart looks like)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


def demo_integrations(config: ScoutConfig, server: LoopbackSmtp) -> ScoutConfig:
    """`config` with integrations.email pointing at the loopback server (plain SMTP: it
    never leaves this machine)."""
    email = EmailSection.model_validate(
        {"smtp_url": server.url, "from": "Scout Demo Shop <hello@shop.example>",
         "starttls": False, "brand": "Scout Demo Shop"}
    )  # fmt: skip
    integrations = config.integrations.model_copy(update={"email": email})
    return config.model_copy(update={"integrations": integrations})


def print_mailbox(console: Console, mailbox: Mailbox) -> None:
    """Every email the server received: headers and the plain-text part."""
    if not mailbox.received:
        console.print("[dim]The mail server received nothing.[/]")
    for message in mailbox.received:
        console.print(
            f"[bold]📧 received by the demo SMTP server[/] to {message['To']}: "
            f"{message['Subject']}",
            highlight=False,
        )
        part = message.get_body(preferencelist=("plain",))
        text = str(part.get_content()) if part is not None else ""
        console.print(text.strip(), markup=False, highlight=False)
