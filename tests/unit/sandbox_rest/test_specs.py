"""REST v2.1 body validation tables (pure)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from sandbox.errors import ApiError
from sandbox.rest_options import RestBatchOptions
from sandbox.rest_specs import consumer_fields, contact_fields, extension_fields, item_fields, order_fields

ORDER = {
    "referenceId": "R",
    "orderedAt": "2026-11-01T10:00:00.000Z",
    "currencyCode": "EUR",
    "price": Decimal("1.5"),
}
ITEM = {"name": "Boot", "type": "FOOTWEAR", "price": 3, "currencyCode": "EUR", "status": "PURCHASED"}


def _detail(call: Callable[[], object]) -> str:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == 400
    return caught.value.developer_message


def test_order_fields_drop_read_only_keys_and_keep_values() -> None:
    fields = order_fields(ORDER | {"ref": "x", "href": "y", "status": "PARTIALY_CONFIRMED"})
    assert fields == ORDER | {"status": "PARTIALY_CONFIRMED"}


def test_order_problems_are_listed_together() -> None:
    detail = _detail(lambda: order_fields({"referenceId": "", "price": True, "extra": 1}))
    assert detail.split("; ") == [
        "extra: unknown field",
        "referenceId: must be a non-empty string",
        "orderedAt: required",
        "currencyCode: required",
        "price: must be a number",
    ]


def test_order_body_must_be_an_object() -> None:
    assert "JSON object" in _detail(lambda: order_fields([1]))


def test_item_status_is_an_enum_unless_switched_to_free_text() -> None:
    assert "status: must be one of" in _detail(
        lambda: item_fields(ITEM | {"status": "Confirmed"}, RestBatchOptions())
    )
    lenient = RestBatchOptions(rest_item_status_enum=False)
    assert item_fields(ITEM | {"status": "Confirmed"}, lenient)["status"] == "Confirmed"


def test_item_quantity_is_an_integer_and_language_two_upper_letters() -> None:
    detail = _detail(lambda: item_fields(ITEM | {"quantity": 1.5, "language": "en"}, RestBatchOptions()))
    assert "quantity: must be an integer" in detail
    assert "language: must be a 2-letter" in detail


def test_contact_needs_emails_or_identifiers_and_a_past_birth_date() -> None:
    assert contact_fields({"identifiers": [{"provider": "crm", "id": "1"}]})["identifiers"]
    assert "identity data" in _detail(lambda: contact_fields({"firstName": "A"}))
    assert "dateOfBirth" in _detail(
        lambda: contact_fields({"emails": ["a@b.c"], "dateOfBirth": "2999-01-01"})
    )
    assert "gender" in _detail(lambda: contact_fields({"emails": ["a@b.c"], "gender": "MALE"}))


def test_consumer_needs_first_and_last_name() -> None:
    assert "lastName: required" in _detail(lambda: consumer_fields({"firstName": "A"}))


def test_extension_body_rules() -> None:
    assert extension_fields("ext", {"name": "ext", "key": "default", "giftWrap": True}, 100) == {
        "giftWrap": True
    }
    assert "must be 'ext'" in _detail(lambda: extension_fields("extra", {}, 100))
    assert "reserved" in _detail(lambda: extension_fields("ext", {"key": "other"}, 100))
    assert "camelCase" in _detail(lambda: extension_fields("ext", {"gift_wrap": 1}, 100))
    assert "at most 3" in _detail(lambda: extension_fields("ext", {"a": 1, "b": 2, "c": 3, "d": 4}, 3))
