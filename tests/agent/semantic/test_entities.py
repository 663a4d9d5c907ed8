"""The customer entity's churn inputs: defaults, identifiers, and every mistake reported."""

from __future__ import annotations

from typing import Any

from agent.semantic.entities import (
    Activity,
    CustomerColumns,
    LinesRef,
    OrdersRef,
    ReturnsRef,
    SessionsRef,
    TicketsRef,
    parse_entities,
)


def _parse(body: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    entities = parse_entities(
        {"customer": {"table": "crm.people", "key": "person_id", **body}},
        lambda where, message: problems.append((where, message)),
    )
    return dict(entities), problems


def test_only_table_and_date_are_required_and_other_columns_take_the_demo_names() -> None:
    entities, problems = _parse(
        {
            "orders": {"table": "sales", "date": "sold_on"},
            "columns": {"region": "area"},
            "activity": {
                "sessions": {"table": "web.visits", "date": "visited_on"},
                "tickets": {"table": "helpdesk", "date": "opened_on", "satisfaction": "csat"},
                "returns": {"table": "rma", "date": "received_on"},
                "lines": {"table": "sale_lines", "date": "sold_on", "line": "position"},
            },
        }
    )
    assert problems == []
    customer = entities["customer"]
    assert customer.orders == OrdersRef(table="sales", date="sold_on", revenue="revenue")
    assert customer.columns == CustomerColumns(
        first_order="first_order_date", acquisition_channel="acquisition_channel", region="area"
    )
    assert customer.activity == Activity(
        sessions=SessionsRef(table="web.visits", date="visited_on"),
        tickets=TicketsRef(
            table="helpdesk",
            date="opened_on",
            resolved="resolved",
            resolved_date="resolved_date",
            satisfaction="csat",
        ),
        returns=ReturnsRef(table="rma", date="received_on", refund="refund_amount"),
        lines=LinesRef(
            table="sale_lines",
            date="sold_on",
            category="category",
            order="order_id",
            line="position",
        ),
    )


def test_an_entity_without_churn_sections_has_none_of_them() -> None:
    entities, problems = _parse({})
    assert problems == []
    assert entities["customer"].columns is None
    assert entities["customer"].activity == Activity()


def test_every_mistake_in_the_churn_sections_is_reported_with_its_location() -> None:
    entities, problems = _parse(
        {
            "orders": {"table": "sales", "date": "sold_on", "revenue": "amount * 1.2"},
            "columns": {"region": "area", "country": "country"},
            "activity": {
                "sessions": {"table": "visits"},
                "tickets": {"table": "helpdesk; DROP TABLE x", "date": "opened_on"},
                "returns": ["rma"],
                "orders": {"table": "sales", "date": "sold_on"},
            },
        }
    )
    where = [w for w, _ in problems]
    assert where == [
        "entities.customer.orders.revenue",
        "entities.customer.columns.country",
        "entities.customer.activity.orders",
        "entities.customer.activity.sessions.date",
        "entities.customer.activity.tickets.table",
        "entities.customer.activity.returns",
    ]
    messages = dict(problems)
    assert messages["entities.customer.orders.revenue"] == (
        "'amount * 1.2' is not a valid column name"
    )
    assert messages["entities.customer.activity.sessions.date"] == "missing"
    # A section with a mistake is left out rather than half-read.
    assert entities["customer"].orders is None
    assert entities["customer"].activity.tickets is None
