"""The routing table and the event → action mapping (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.corrections.conftest import EventBuilder, order_line
from worker.mapping.corrections import (
    Delete,
    ExtensionLimitError,
    InvalidOrderError,
    Route,
    RoutingPolicy,
    Upsert,
    action_for,
    extension_problems,
    route_for,
)


@pytest.mark.parametrize(
    ("event_type", "overrides", "route"),
    [
        ("OrderPlaced", {}, Route.STREAM),
        ("OrderPlaced", {"guest.tracking_refused": True}, Route.REST),
        ("OrderUpdated", {}, Route.REST),
        ("OrderCancelled", {}, Route.REST),
        ("OrderRefunded", {}, Route.REST),
        ("OrderDeleted", {}, Route.REST),
        ("OrderImported", {}, Route.BATCH),
        ("CartItemAdded", {}, Route.STREAM),
        ("GuestIdentified", {}, Route.STREAM),
    ],
)
def test_default_routing_table(build: EventBuilder, event_type: str, overrides: dict[str, object],
                               route: Route) -> None:  # fmt: skip
    assert route_for(build(event_type, **overrides), RoutingPolicy()) is route


def test_anonymous_guests_orders_leave_the_stream(build: EventBuilder) -> None:
    event = build("OrderPlaced", **{"guest.anonymous": True, "guest.identifiers": [], "guest.email": None,
                                    "guest.customer_id": None})  # fmt: skip
    assert route_for(event, RoutingPolicy(untracked=Route.BATCH)) is Route.BATCH


def test_policy_moves_corrections_and_deletions_to_batch(build: EventBuilder) -> None:
    policy = RoutingPolicy(corrections=Route.BATCH, deletions=Route.BATCH)
    assert route_for(build("OrderRefunded"), policy) is Route.BATCH
    assert route_for(build("OrderDeleted"), policy) is Route.BATCH
    assert route_for(build("OrderPlaced"), policy) is Route.STREAM


def test_a_correction_is_an_upsert_of_the_full_order_that_waits_for_the_order(build: EventBuilder) -> None:
    action = action_for(build("OrderUpdated"))
    assert isinstance(action, Upsert)
    assert not action.create
    doc = action.order
    assert doc.reference_id == "DE-2026-000981"
    assert doc.fields["price"] == Decimal("184.85")
    assert doc.fields["status"] == "CONFIRMED"
    assert doc.fields["cardType"] == "Visa"
    assert [item.reference_id for item in doc.items][:2] == ["DE-2026-000981-1", "DE-2026-000981-2"]
    assert doc.items[0].fields["price"] == Decimal("129.95")
    assert doc.items[0].extensions == {"colour": "black", "discounted": False}
    assert doc.contact is not None
    assert doc.contact["emails"] == ["zoe.muller@example.de"]


def test_imports_and_untracked_orders_create_the_order(build: EventBuilder) -> None:
    imported = action_for(build("OrderImported"))
    assert isinstance(imported, Upsert)
    assert imported.create


def test_a_deletion_names_reference_and_ordered_at(build: EventBuilder) -> None:
    action = action_for(build("OrderDeleted"))
    assert isinstance(action, Delete)
    assert action.reference_id == action.reference_id.upper()
    assert action.ordered_at.endswith("Z")


def test_payment_pending_items_use_the_item_status_enum(build: EventBuilder) -> None:
    action = action_for(build("OrderUpdated", **{"order.status": "PAYMENT_PENDING"}))
    assert isinstance(action, Upsert)
    assert {item.fields["status"] for item in action.order.items} == {"PENDING"}
    assert action.order.fields["status"] == "PAYMENT_PENDING"


def test_anonymous_guest_has_no_contact(build: EventBuilder) -> None:
    event = build("OrderPlaced", **{"guest.anonymous": True, "guest.identifiers": [], "guest.email": None,
                                    "guest.customer_id": None})  # fmt: skip
    action = action_for(event)
    assert isinstance(action, Upsert)
    assert action.order.contact is None


@pytest.mark.parametrize(
    ("extensions", "problem"),
    [
        ({f"key{n}": n for n in range(51)}, "51 attributes"),
        ({"Bad": 1}, "'Bad'"),
        ({"with_underscore": 1}, "'with_underscore'"),
        ({"name": "x"}, "'name'"),
        ({"nested": {"a": 1}}, "not a primitive"),
    ],
)
def test_extension_limits_are_reported(extensions: dict[str, object], problem: str) -> None:
    assert any(problem in text for text in extension_problems(extensions))


def test_an_order_breaking_extension_limits_is_a_clear_permanent_error(build: EventBuilder) -> None:
    event = build("OrderUpdated", **{"order.extensions": {f"attr{n}": n for n in range(60)}})
    with pytest.raises(ExtensionLimitError) as caught:
        action_for(event)
    assert "order extensions: 60 attributes" in str(caught.value)
    assert caught.value.stage == "mapping"


def test_line_extension_names_are_checked(build: EventBuilder) -> None:
    line = order_line(1, extensions={"Engraving": "x"})
    event = build("OrderUpdated", **{"order.lines": [line], "order.total": "1.50"})
    with pytest.raises(ExtensionLimitError, match="line L-1 extensions"):
        action_for(event)


def test_travel_item_types_are_refused(build: EventBuilder) -> None:
    event = build("OrderUpdated", **{"order.lines": [order_line(1, type="flight")], "order.total": "1.50"})
    with pytest.raises(InvalidOrderError, match="FLIGHT"):
        action_for(event)
