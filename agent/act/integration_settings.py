"""The `integrations:` section of scout.yml: where actions go besides Slack.

Only the settings models live here. agent.config validates scout.yml at every start,
including `scout parse` and `scout --help`, so this module must stay free of the sending
libraries (httpx, aiosmtplib): agent.act.webhooks and agent.act.email import those, and only
when something is sent.
"""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

PASSWORD_ENV = "SCOUT_SMTP_PASSWORD"


class EmailSection(BaseModel):
    """`integrations.email` in scout.yml: the SMTP server and how emails are signed off."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    smtp_url: str = Field(description="smtp://host:port (STARTTLS) or smtps://host:port (TLS)")
    sender: str = Field(alias="from", description="the From address, e.g. Shop <hi@shop.example>")
    starttls: bool = Field(default=True, description="smtp:// only: upgrade with STARTTLS")
    timeout_s: float = Field(default=20.0, gt=0, le=120)
    brand: str = Field(default="our shop", min_length=1, max_length=80)
    unsubscribe_url: str | None = Field(default=None, pattern=r"^https://\S+$")

    @field_validator("smtp_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("expected smtp://host:port or smtps://host:port")
        if parts.password:
            raise ValueError(f"put the password in {PASSWORD_ENV}, not in the URL")
        _ = parts.port  # a non-numeric port raises ValueError here
        return value

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError("expected an email address, e.g. Shop <hello@shop.example>")
        return value


class IntegrationsSection(BaseModel):
    """The `integrations` section of scout.yml: where actions go besides Slack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhooks: dict[str, str] = Field(
        default_factory=dict, description="action kind → URL that receives it as a signed POST"
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    email: EmailSection | None = Field(
        default=None, description="SMTP server for customer emails (win-back, offers)"
    )


__all__ = ["PASSWORD_ENV", "EmailSection", "IntegrationsSection"]
