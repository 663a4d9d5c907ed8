"""How acting reaches a customer: the contact values an email needs, and the port that reads them.

The address and opt-out live in the warehouse (declared on the customer entity in
semantic.yml, read by agent.semantic.contacts); acting only sees these values, one customer
at a time, and never stores the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, kw_only=True)
class Contact:
    """One customer as an email needs them, read from the warehouse just before sending.

    `opted_out` is None when the warehouse declares no opt-out column: unknown consent, which
    Scout treats as "do not email". `last_product` is data (a product name) and is cleaned
    before it reaches an email.
    """

    customer_id: str
    email: str | None
    opted_out: bool | None
    last_order: date | None = None
    last_product: str | None = None


class ContactBook(Protocol):
    """Reads one customer's contact details (None: no such customer)."""

    async def contact(self, customer_id: str) -> Contact | None: ...


@runtime_checkable
class Reaches(Protocol):
    """An integration that can say how a customer is reached now (the email integration).

    A sequence asks before each step, so an opt-out or an order placed in between cancels
    what is left instead of sending it.
    """

    async def reach(self, customer_id: str) -> Contact | None: ...
