"""Webhooks: an action handed to a system Scout does not know (discounts, CRM, help desk).

`integrations.webhooks.<kind>: URL` in scout.yml sends every executed action of that kind as
a signed JSON POST. The receiver verifies `X-Scout-Signature: v1=<hex>`, an HMAC-SHA256 over
`<X-Scout-Timestamp>.<body>` with the shared `SCOUT_WEBHOOK_SECRET`, and de-duplicates on
`Idempotency-Key` (the action's key, the same on every retry).

A 2xx is "sent"; a timeout, a dropped connection, 429 or 5xx is worth retrying: the executor
backs off in-process, then schedules later tries (agent.act.retries: "webhook failed — will
retry at …", in 15 min, 1 h and 4 h, then "failed permanently"). Any other 4xx is the
receiver saying no, so it fails at once and stays in the failed list (`scout outbox
--failed`) for a person to look at and retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from agent.act.integration_settings import IntegrationsSection
from agent.act.ports import Integration
from agent.act.records import Delivery, OutboundMessage
from agent.errors import ConfigError, PermanentActionError, TransientActionError

if TYPE_CHECKING:
    import httpx

SECRET_ENV = "SCOUT_WEBHOOK_SECRET"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v1=` + HMAC-SHA256 of `timestamp.body`: what receivers recompute and compare."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookIntegration:
    """Delivers one kind's actions to one URL."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url, self.secret, self.timeout_s = url, secret, timeout_s
        self._client = client

    async def deliver(self, message: OutboundMessage) -> Delivery:
        body = json.dumps(
            {
                "kind": message.kind,
                "params": dict(message.params),
                "decision": dict(message.decision),
                "text": message.text,
                "recipients": list(message.recipients),
                "idempotency_key": message.idempotency_key,
                "outbox_id": message.outbox_id,
            },
            sort_keys=True,
            default=str,
        ).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Scout-Timestamp": stamp,
            "X-Scout-Signature": signature(self.secret, stamp, body),
            "Idempotency-Key": message.idempotency_key,
        }
        # Imported here: scout.yml's settings are read at every start, the HTTP client only
        # when a webhook fires.
        import httpx

        try:
            if self._client is not None:
                response = await self._client.post(
                    self.url, content=body, headers=headers, timeout=self.timeout_s
                )
            else:
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    response = await client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise TransientActionError(f"webhook timed out after {self.timeout_s:g} s") from error
        except httpx.TransportError as error:
            raise TransientActionError(f"webhook unreachable: {type(error).__name__}") from error
        status = response.status_code
        if 200 <= status < 300:
            return Delivery(via="webhook", ref=f"HTTP {status}")
        excerpt = response.text[:200].strip()
        if status == 429 or status >= 500:
            raise TransientActionError(f"webhook answered HTTP {status}")
        raise PermanentActionError(
            f"webhook refused it: HTTP {status}" + (f" ({excerpt})" if excerpt else "")
        )


def webhook_integrations(
    section: IntegrationsSection, env: Mapping[str, str] | None = None
) -> dict[str, Integration]:
    """One integration per configured kind; a webhook without a secret is a config error."""
    if not section.webhooks:
        return {}
    secret = (env if env is not None else os.environ).get(SECRET_ENV, "")
    if not secret:
        raise ConfigError(
            [
                f"integrations.webhooks is set but {SECRET_ENV} is not: receivers could not "
                "tell Scout's requests from anyone else's."
            ]
        )
    return {
        kind: WebhookIntegration(url, secret, timeout_s=section.webhook_timeout_s)
        for kind, url in section.webhooks.items()
    }


__all__ = [
    "SECRET_ENV",
    "IntegrationsSection",
    "WebhookIntegration",
    "signature",
    "webhook_integrations",
]
