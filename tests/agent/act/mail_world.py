"""A small shop for the email tests: a DuckDB warehouse with customers, orders and products,
and a Scout "process" (warehouse, semantic layer, email integration, actor) opened over it.

The warehouse is written here with plain SQL, so what the tests expect (addresses, opt-outs,
order dates) is independent of Scout's generator and compiler. A process is opened and closed
around each step, as a restart would: everything carried over lives in the sqlite file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import duckdb

from agent.act import Actor
from agent.act.contacts import ContactBook
from agent.act.email import EmailSection, email_integrations
from agent.domain import Action
from agent.semantic import load_semantic
from agent.semantic.contacts import WarehouseContacts
from agent.warehouse import DuckDBWarehouse
from tests.agent.act.conftest import FakeClock, RecordingSleep, settings

SENDER = "Test Shop <hello@shop.test>"
ADDRESSES = {
    "C000001": "ana.lee1@example.com",
    "C000002": "omar.khan2@example.net",
    "C000003": "mei.chen3@example.org",
}
# A name planted in the data: Slack markup, a card number, a phone number and a link.
HOSTILE = "<!channel> Mega Mug 4111 1111 1111 1111 call +1 415 555 0100 www.evil.com"


def build_shop(path: Path, *, hostile_product_for: str | None = None) -> None:
    """Three customers who last ordered in October; the named one last bought HOSTILE."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE customers (customer_id VARCHAR, email VARCHAR, email_opt_out BOOLEAN)"
    )
    for customer, address in ADDRESSES.items():
        con.execute("INSERT INTO customers VALUES (?, ?, FALSE)", [customer, address])
    con.execute("CREATE TABLE products (product_id VARCHAR, product_name VARCHAR)")
    con.execute("INSERT INTO products VALUES ('P1', 'Nova Earbuds 1'), ('P2', ?)", [HOSTILE])
    con.execute("CREATE TABLE orders (order_id VARCHAR, order_date DATE, customer_id VARCHAR)")
    con.execute(
        "CREATE TABLE order_items (order_id VARCHAR, order_date DATE, customer_id VARCHAR, "
        "product_id VARCHAR)"
    )
    for n, customer in enumerate(ADDRESSES, start=1):
        product = "P2" if customer == hostile_product_for else "P1"
        add_order(con, f"O{n}", date(2025, 10, n), customer, product)
    con.close()


def add_order(
    con: duckdb.DuckDBPyConnection, order: str, day: date, customer: str, product: str = "P1"
) -> None:
    con.execute("INSERT INTO orders VALUES (?, ?, ?)", [order, day, customer])
    con.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", [order, day, customer, product])


def change_shop(path: Path, sql: str, params: list[object] | None = None) -> None:
    """What happens in the shop between two runs (an order, an unsubscribe)."""
    con = duckdb.connect(str(path))
    con.execute(sql, params or [])
    con.close()


@asynccontextmanager
async def scout_process(
    db_path: str | Path,
    shop: Path,
    clock: FakeClock,
    smtp_url: str,
    sleep: RecordingSleep | None = None,
    wrap: Callable[[ContactBook], ContactBook] | None = None,
) -> AsyncIterator[Actor]:
    """One Scout process: the real contact lookup, SMTP integration and actor. `wrap` sits
    in front of the warehouse's contact lookup (a test holding a process mid-step there)."""
    warehouse = DuckDBWarehouse(shop)
    real: ContactBook = WarehouseContacts(warehouse, load_semantic())
    contacts = wrap(real) if wrap else real
    section = EmailSection.model_validate(
        {"smtp_url": smtp_url, "from": SENDER, "starttls": False, "brand": "Test Shop"}
    )
    integrations = email_integrations(section, contacts, env={}, clock=clock)
    actor = await Actor.open(
        db_path,
        settings(),
        integrations=integrations,
        clock=clock,
        sleep=sleep or RecordingSleep(),
    )
    try:
        yield actor
    finally:
        await actor.close()
        warehouse.close()


def winback(customer: str = "C000001", **params: object) -> Action:
    return Action(
        kind="winback_sequence",
        target=customer,
        params={"customer_value": 1800.0, "churn_probability": 0.7, **params},
        reason="high churn risk",
        source="churn",
    )


def body(message: object) -> str:
    """The plain-text part of a received email."""
    from email.message import EmailMessage

    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html(message: object) -> str:
    from email.message import EmailMessage

    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
