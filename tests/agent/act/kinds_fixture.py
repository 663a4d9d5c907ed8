"""A customer-facing, money-spending kind declared the way the churn work will declare its own."""

from __future__ import annotations

from pydantic import Field

from agent.act import REGISTRY, ActionKind, KindParams


class OfferParams(KindParams):
    customer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    customer_value: float | None = None
    campaign: str | None = None
    channel: str = "crm-offers"
    text: str = "A thank-you discount"

    def customer(self) -> str | None:
        return self.customer_id

    def customer_value_dollars(self) -> float | None:
        return self.customer_value

    def campaign_name(self) -> str | None:
        return self.campaign

    def message_parts(self) -> tuple[str, str]:
        return (f"Offer for {self.customer_id}", self.text)


OFFER = ActionKind(
    name="test_offer",
    params=OfferParams,
    description="a discount to one customer",
    handler="notify",
    outbound=True,
    target_param="customer_id",
    customer_facing=True,
)

KINDS = REGISTRY.with_kinds(OFFER)
