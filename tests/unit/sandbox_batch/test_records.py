"""Batch record values per schema and mode (pure)."""

from __future__ import annotations

import copy
import uuid

import pytest

from sandbox.batch_file import Record
from sandbox.batch_records import entity_key, extensions_problems, value_problems
from sandbox.rest_options import RestBatchOptions

STRICT = RestBatchOptions()
ITEM = {
    "type": "FOOTWEAR",
    "productId": "P",
    "name": "Boot",
    "description": "d",
    "vendor": "v",
    "price": 1,
    "currencyCode": "EUR",
}
ORDER = {
    "referenceId": "R1",
    "channel": "WEB",
    "pointOfSale": "pos",
    "status": "PURCHASED",
    "orderedAt": "2026-11-01T10:00:00.000Z",
    "currencyCode": "EUR",
    "price": 1,
    "paymentType": "Card",
    "cardType": "Visa",
    "contact": {"email": "a@example.com"},
    "orderItems": [ITEM],
}


def _record(mode: str, value: dict[str, object], schema: str = "order") -> Record:
    return Record(str(uuid.uuid4()), schema, mode, value)


def test_a_complete_insert_is_valid() -> None:
    assert value_problems(_record("insert", ORDER), STRICT) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status": "REFUNDING"}, "status: must be one of"),
        ({"orderedAt": "2026-11-01T10:00:00+02:00"}, "orderedAt: must be an ISO 8601 UTC timestamp"),
        ({"cardType": None}, "cardType: required when paymentType is Card"),
        ({"orderItems": []}, "orderItems: at least one item is required"),
        ({"contact": {"firstName": "A"}}, "contact: Not enough identifying information"),
        ({"currencyCode": "eur"}, "currencyCode: must be a 3-letter upper-case ISO 4217 code"),
        ({"orderItems": [ITEM | {"type": "HOTEL"}]}, "reserved travel type"),
        ({"orderItems": [ITEM | {"name": "x" * 129}]}, "must be at most 128 chars"),
        ({"surprise": 1}, "surprise: unknown field"),
    ],
)
def test_insert_problems_name_the_field(change: dict[str, object], problem: str) -> None:
    value = {k: v for k, v in (ORDER | change).items() if v is not None}
    assert any(problem in p for p in value_problems(_record("insert", value), STRICT))


def test_upsert_needs_items_unless_switched_off() -> None:
    value = {k: v for k, v in ORDER.items() if k not in ("orderItems", "status", "price")}
    assert value_problems(_record("upsert", value), STRICT) == ["orderItems: required"]
    lenient = RestBatchOptions(batch_upsert_requires_items=False)
    assert value_problems(_record("upsert", value), lenient) == []


def test_delete_needs_only_the_reference_id() -> None:
    assert value_problems(_record("delete", {"referenceId": "R1"}), STRICT) == []
    assert value_problems(_record("delete", {"orderedAt": "2026-11-01T10:00:00Z"}), STRICT) == [
        "referenceId: required"
    ]


def test_extensions_hold_exactly_one_ext_within_the_attribute_limit() -> None:
    ok = [{"name": "ext", "key": "default", "giftWrap": True}]
    assert extensions_problems(ok, 50) == []
    assert extensions_problems(ok * 2, 50) != []
    assert extensions_problems([{"name": "other", "key": "default"}], 50) != []
    too_many = [{"name": "ext", "key": "default", **{f"k{i}": i for i in range(51)}}]
    assert extensions_problems(too_many, 50) == ["extensions: extension has 51 attributes, at most 50"]
    assert extensions_problems(too_many, 100) == []


def test_nested_item_extensions_are_checked() -> None:
    value = copy.deepcopy(ORDER)
    value["orderItems"] = [ITEM | {"extensions": [{"name": "ext", "key": "default", "size": [1]}]}]
    assert value_problems(_record("insert", value), STRICT) == [
        "orderItems[0].extensions: size: values are string, boolean, integer or number"
    ]


def test_guest_upsert_needs_customer_type_and_identity() -> None:
    assert (
        value_problems(_record("upsert", {"guestType": "customer", "email": "a@b.c"}, "guest"), STRICT) == []
    )
    problems = value_problems(_record("upsert", {"guestType": "visitor"}, "guest"), STRICT)
    assert len(problems) == 2


def test_entity_key_spots_the_same_order_or_guest() -> None:
    assert entity_key(_record("insert", ORDER)) == "order:R1"
    assert entity_key(_record("upsert", {"email": "A@B.C"}, "guest")) == "guest:a@b.c"
    assert entity_key(_record("upsert", {}, "guest")) is None
