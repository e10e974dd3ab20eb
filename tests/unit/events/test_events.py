"""Events: examples parse, round-trip through their JSON form, and the contract is enforced."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from worker.errors import UnknownSchemaError, ValidationError
from worker.events import (
    EVENT_TYPES,
    OrderChange,
    OrderPlaced,
    OrderRefunded,
    OrderStatus,
    OrderUpdated,
    event_from_dict,
    event_to_dict,
    field_value,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "examples"


def example(event_type: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    return data


def test_every_event_type_has_an_example_and_nothing_else_does() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.json")) == sorted(EVENT_TYPES)
    assert len(EVENT_TYPES) == 11


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_example_parses_to_its_dataclass_and_round_trips(event_type: str) -> None:
    event = event_from_dict(example(event_type))
    assert type(event) is EVENT_TYPES[event_type]
    assert event.event_type == event_type
    assert event_from_dict(event_to_dict(event)) == event
    assert json.loads(json.dumps(event_to_dict(event))) == event_to_dict(event)


def test_order_values_are_typed_money_and_utc_times() -> None:
    event = event_from_dict(example("OrderPlaced"))
    assert isinstance(event, OrderPlaced)
    assert event.order.total == Decimal("184.85")
    assert event.order.lines[2].unit_price.as_tuple().exponent == -2
    assert event.order.status is OrderStatus.PURCHASED
    assert event.order.ordered_at == datetime(2026, 11, 27, 14, 3, 10, tzinfo=UTC)
    assert event.guest.first_name == "Zoë"
    assert event.order.extensions == {
        "loyaltyTier": "gold",
        "loyaltyPoints": 185,
        "giftWrapped": False,
        "basketScore": 0.82,
    }


def test_times_are_normalised_to_utc_milliseconds_and_money_to_cents() -> None:
    data = example("OrderPlaced")
    data["occurred_at"] = "2026-11-27T15:03:12.345678+01:00"
    data["order"]["lines"][0]["unit_price"] = "129.9"
    event = event_from_dict(data)
    assert event.occurred_at == datetime(2026, 11, 27, 14, 3, 12, 345000, tzinfo=UTC)
    assert isinstance(event, OrderPlaced)
    assert str(event.order.lines[0].unit_price) == "129.90"
    assert event_to_dict(event)["occurred_at"] == "2026-11-27T14:03:12.345+00:00"


def test_field_value_reads_dotted_scalars_as_text() -> None:
    event = event_from_dict(example("OrderRefunded"))
    assert field_value(event, "order.order_id") == "DE-2026-000981"
    assert field_value(event, "guest.customer_id") == "C-100482"
    assert field_value(event, "refund.amount") == "49.90"
    assert field_value(event, "order.status") == "PURCHASED"
    assert field_value(event, "order.ordered_at") == "2026-11-27T14:03:10.000+00:00"
    assert field_value(event, "cart_id") is None
    assert field_value(event, "order.payment.card_type") == "Visa"
    assert field_value(event, "order") is None


def test_field_value_of_a_null_field_is_none() -> None:
    event = event_from_dict(example("CartCleared"))
    assert field_value(event, "guest.customer_id") is None
    assert field_value(event, "cart_id") == "CART-7f3a91"


def test_events_are_frozen() -> None:
    event = event_from_dict(example("OrderPlaced"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.event_id = "other"  # type: ignore[misc]  # proving the assignment is refused


def test_refund_and_update_details_are_parsed() -> None:
    refunded = event_from_dict(example("OrderRefunded"))
    assert isinstance(refunded, OrderRefunded)
    assert refunded.refund.full is False
    assert refunded.refund.lines[0].quantity == 2
    updated = event_from_dict(example("OrderUpdated"))
    assert isinstance(updated, OrderUpdated)
    assert updated.changes == (OrderChange.STATUS, OrderChange.EXTENSIONS)


def _set(data: dict[str, Any], dotted: str, value: object) -> None:
    node: Any = data
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()

INVALID = [
    (
        "OrderPlaced",
        "order.lines.2.unit_price",
        "12.345",
        "order.lines[2].unit_price",
        "expected a decimal string with at most 2 decimal places, got '12.345'",
    ),
    (
        "OrderPlaced",
        "order.lines.2.unit_price",
        12.5,
        "order.lines[2].unit_price",
        "expected a decimal string with at most 2 decimal places, got 12.5",
    ),
    (
        "OrderPlaced",
        "order.total",
        "-1.00",
        "order.total",
        "expected an amount between 0 and 10^16, got '-1.00'",
    ),
    (
        "OrderPlaced",
        "order.currency",
        "eur",
        "order.currency",
        "expected 3 upper-case letters (ISO 4217), got 'eur'",
    ),
    ("OrderPlaced", "context.currency", "EURO", "context.currency", "expected 3 upper-case letters"),
    ("OrderPlaced", "context.language", "deu", "context.language", "expected 2 letters (ISO 639-1)"),
    (
        "OrderPlaced",
        "order.lines.0.quantity",
        0,
        "order.lines[0].quantity",
        "expected an integer greater than 0, got 0",
    ),
    (
        "OrderPlaced",
        "order.lines.0.quantity",
        "2",
        "order.lines[0].quantity",
        "expected an integer greater than 0",
    ),
    (
        "OrderPlaced",
        "order.lines.0.quantity",
        True,
        "order.lines[0].quantity",
        "expected an integer greater than 0",
    ),
    ("OrderPlaced", "order.order_id", "", "order.order_id", "expected a non-empty string, got ''"),
    ("OrderPlaced", "order.order_id", _DELETE, "order.order_id", "required field is missing"),
    ("OrderPlaced", "event_id", "not-a-uuid", "event_id", "expected a UUID, got 'not-a-uuid'"),
    (
        "OrderPlaced",
        "occurred_at",
        "2026-11-27T14:03:12",
        "occurred_at",
        "expected an ISO 8601 timestamp with a timezone",
    ),
    ("OrderPlaced", "order.status", "SHIPPED", "order.status", "expected one of PURCHASED, PAYMENT_PENDING"),
    ("OrderPlaced", "order.lines", [], "order.lines", "an order needs at least one line"),
    ("OrderPlaced", "order.lines.1.line_id", "DE-2026-000981-1", "order.lines[1].line_id", "duplicate"),
    (
        "OrderPlaced",
        "order.extensions.nested",
        {"a": 1},
        "order.extensions.nested",
        "expected a string, finite number or boolean",
    ),
    ("OrderPlaced", "guest.email", "not-an-address", "guest.email", "expected an e-mail address"),
    ("OrderPlaced", "guest", "x", "guest", "expected an object, got 'x'"),
    ("OrderRefunded", "refund.lines.0.line_id", "nope", "refund.lines[0].line_id", "no order line 'nope'"),
    (
        "OrderRefunded",
        "refund.lines.0.quantity",
        3,
        "refund.lines[0].quantity",
        "refunds 3 of 2 ordered units",
    ),
    ("OrderUpdated", "changes", [], "changes", "an update names at least one change"),
    ("OrderUpdated", "changes.1", "COLOUR", "changes[1]", "expected one of STATUS"),
    ("CartItemRemoved", "line_id", "L-2", "remaining_lines", "removed line 'L-2' is still listed"),
    (
        "GuestIdentified",
        "guest.anonymous",
        True,
        "guest.anonymous",
        "an identified guest cannot be anonymous",
    ),
    ("OrderImported", "source", "EBAY", "source", "expected one of STORE"),
]


@pytest.mark.parametrize(("event_type", "field", "value", "path", "message"), INVALID)
def test_contract_violation_names_the_field_path(
    event_type: str, field: str, value: object, path: str, message: str
) -> None:
    data = copy.deepcopy(example(event_type))
    _set(data, field, value)
    with pytest.raises(ValidationError) as raised:
        event_from_dict(data)
    assert raised.value.path == path
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"{path}: ")


def test_known_guest_without_any_identity_is_rejected() -> None:
    data = example("OrderPlaced")
    data["guest"].update(customer_id=None, email=None, identifiers=[])
    with pytest.raises(ValidationError, match="a known guest needs") as raised:
        event_from_dict(data)
    assert raised.value.path == "guest"


def test_unknown_event_type_is_an_unknown_schema() -> None:
    data = example("OrderPlaced")
    data["event_type"] = "OrderTeleported"
    with pytest.raises(UnknownSchemaError) as raised:
        event_from_dict(data)
    assert raised.value.path == "event_type"


def test_every_order_event_names_its_order_at_the_same_field_path() -> None:
    kinds = ["OrderPlaced", "OrderUpdated", "OrderCancelled", "OrderRefunded", "OrderDeleted"]
    keys = {field_value(event_from_dict(example(kind)), "order.order_id") for kind in kinds}
    assert keys == {"DE-2026-000981"}
    assert field_value(event_from_dict(example("OrderImported")), "order.order_id") == "JP-CC-44120"
    deleted = event_from_dict(example("OrderDeleted"))
    assert field_value(deleted, "order.ordered_at") == "2026-11-27T14:03:10.000+00:00"
    assert "order" not in event_to_dict(deleted)
