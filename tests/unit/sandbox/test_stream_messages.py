"""Validation of Stream messages against the documented attribute rules (cdp-api.md §2.3-2.5)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import orjson
import pytest

from sandbox.config import StrictSwitches
from sandbox.stream_checks import Invalid
from sandbox.stream_messages import ExtTypes, decode, parse_event
from sandbox.stream_payloads import AddProduct, Checkout, Contacts, OrderCheckout, Person

STRICT = StrictSwitches()
COMMON: dict[str, Any] = {
    "channel": "WEB",
    "type": "VIEW",
    "language": "EN",
    "currency": "EUR",
    "page": "home",
    "pos": "retail-web",
    "browser_id": "b-1",
}
PRODUCT: dict[str, Any] = {
    "type": "FOOTWEAR",
    "item_id": "I1",
    "name": "Shoe",
    "orderedAt": "2025-03-07T16:15:11.000Z",
    "quantity": 2,
    "price": 19.99,
    "productId": "P1",
    "currency": "EUR",
    "referenceId": "R1",
}


def parse(strict: StrictSwitches = STRICT, /, **fields: Any) -> Any:
    message = {k: v for k, v in {**COMMON, **fields}.items() if v is not None}
    return parse_event(decode(orjson.dumps(message).decode(), strict), strict)


def rejected(strict: StrictSwitches = STRICT, /, **fields: Any) -> str:
    with pytest.raises(Invalid) as caught:
        parse(strict, **fields)
    return caught.value.detail


def test_a_custom_event_with_the_seven_common_attributes_is_valid() -> None:
    event = parse()
    assert (event.type, event.browser_id, event.channel, event.pos) == ("VIEW", "b-1", "WEB", "retail-web")


@pytest.mark.parametrize("missing", ["channel", "type", "language", "currency", "page", "pos", "browser_id"])
def test_each_common_attribute_is_required(missing: str) -> None:
    assert missing in rejected(**{missing: None})


def test_only_type_and_browser_id_are_required_when_lenient() -> None:
    lenient = dataclasses.replace(STRICT, require_all_common=False)
    event = parse(lenient, channel=None, language=None, currency=None, page=None, pos=None)
    assert event.channel is None
    assert event.pos is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "view"),
        ("type", "SC_INTERNAL"),
        ("channel", "web"),
        ("channel", "TELEPATHY"),
        ("language", "en"),
        ("language", "XX"),
        ("language", "ENG"),
        ("currency", "eur"),
        ("currency", "EURO"),
        ("currency", "ABC"),
        ("page", ""),
    ],
)
def test_badly_formed_common_attributes_are_rejected(field: str, value: str) -> None:
    assert field in rejected(**{field: value})


def test_any_upper_case_channel_is_accepted_when_switched() -> None:
    assert (
        parse(dataclasses.replace(STRICT, channel_enum_enforced=False), channel="TELEPATHY").channel
        == "TELEPATHY"
    )


def test_message_must_be_a_json_object() -> None:
    for raw in ("[1]", "not json", '"text"'):
        with pytest.raises(Invalid):
            decode(raw, STRICT)


def test_oversized_message_is_rejected() -> None:
    small = dataclasses.replace(STRICT, max_message_bytes=100)
    with pytest.raises(Invalid, match="larger"):
        decode(orjson.dumps({**COMMON, "page": "x" * 200}).decode(), small)


def test_add_parses_an_exact_unit_price_and_quantity() -> None:
    product = parse(type="ADD", product=PRODUCT).payload
    assert isinstance(product, AddProduct)
    assert (product.price, product.quantity, product.reference_id) == (Decimal("19.99"), Decimal(2), "R1")


@pytest.mark.parametrize(
    "missing", ["type", "item_id", "name", "orderedAt", "quantity", "price", "productId", "currency"]
)
def test_add_requires_each_documented_product_field(missing: str) -> None:
    product = {k: v for k, v in PRODUCT.items() if k != missing}
    assert f"product.{missing}" in rejected(type="ADD", product=product)


def test_add_reference_id_is_required_unless_switched() -> None:
    product = {k: v for k, v in PRODUCT.items() if k != "referenceId"}
    assert "referenceId" in rejected(type="ADD", product=product)
    lenient = dataclasses.replace(STRICT, require_product_reference_id=False)
    assert parse(lenient, type="ADD", product=product).payload.reference_id is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "19.99"), ("quantity", 0), ("quantity", True), ("orderedAt", "yesterday"), ("type", "shoe")],
)
def test_add_rejects_wrongly_typed_product_fields(field: str, value: object) -> None:
    assert field in rejected(type="ADD", product={**PRODUCT, field: value})


def test_confirm_needs_a_non_empty_array_of_item_ids() -> None:
    assert parse(type="CONFIRM", product=[{"item_id": "I1"}]).payload.item_ids == ("I1",)
    assert "product" in rejected(type="CONFIRM", product=[])
    assert "item_id" in rejected(type="CONFIRM", product=[{"id": "I1"}])


def test_checkout_needs_an_upper_case_reference_and_a_documented_status() -> None:
    assert parse(type="CHECKOUT", reference_id="ORD-1", status="PURCHASED").payload == Checkout(
        "ORD-1", "PURCHASED"
    )
    assert "reference_id" in rejected(type="CHECKOUT", reference_id="ord-1", status="PURCHASED")
    assert "status" in rejected(type="CHECKOUT", reference_id="ORD-1", status="SHIPPED")
    assert "status" in rejected(type="CHECKOUT", reference_id="ORD-1")


def test_payment_needs_a_pay_type() -> None:
    assert parse(type="PAYMENT", pay_type="Card").payload.pay_type == "Card"
    assert "pay_type" in rejected(type="PAYMENT")


def test_identity_needs_identifiers_with_provider_and_id() -> None:
    person = parse(
        type="IDENTITY", identifiers=[{"provider": "email", "id": "a@b.c"}], firstname="Ann"
    ).payload
    assert isinstance(person, Person)
    assert person.identifiers[0].provider == "email"
    assert person.pii == {"firstname": "Ann"}
    assert "identifiers" in rejected(type="IDENTITY", email="a@b.c")
    assert "provider" in rejected(type="IDENTITY", identifiers=[{"id": "x"}])
    assert "country" in rejected(
        type="IDENTITY", identifiers=[{"provider": "crm", "id": "1"}], country="Germany"
    )


def test_add_contacts_accepts_only_identity_spellings_unless_switched() -> None:
    contact = {"firstName": "Ann", "email": "a@b.c"}
    assert "firstName" in rejected(type="ADD_CONTACTS", contact=[contact])
    lenient = dataclasses.replace(STRICT, contact_identity_spellings_only=False)
    contacts = parse(lenient, type="ADD_CONTACTS", contact=[contact]).payload
    assert isinstance(contacts, Contacts)
    assert contacts.people[0].pii["firstname"] == "Ann"


ORDER: dict[str, Any] = {
    "referenceId": "ORD-9",
    "orderedAt": "2025-03-07T16:15:11.000Z",
    "status": "PURCHASED",
    "currencyCode": "EUR",
    "price": 30.5,
    "paymentType": "Card",
    "cardType": "Visa",
    "extensions": [{"name": "ext", "key": "default", "giftWrap": True}],
    "orderItems": [{"type": "FOOTWEAR", "name": "Shoe", "price": 30.5, "quantity": 1}],
}


def test_order_checkout_parses_items_and_extension() -> None:
    order = parse(type="ORDER_CHECKOUT", order=ORDER).payload
    assert isinstance(order, OrderCheckout)
    assert (order.price, order.card_type, order.ext) == (Decimal("30.5"), "Visa", {"giftWrap": True})
    assert order.items[0][0].currency_code == "EUR"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"cardType": None}, "cardType"),
        ({"cardType": "Amex"}, "cardType"),
        ({"price": None}, "price"),
        ({"extensions": [{"name": "other", "a": 1}]}, "extensions"),
        ({"orderItems": [{"type": "FLIGHT"}]}, "FLIGHT"),
    ],
)
def test_order_checkout_rejects_documented_violations(change: dict[str, Any], expected: str) -> None:
    order = {k: v for k, v in {**ORDER, **change}.items() if v is not None}
    assert expected in rejected(type="ORDER_CHECKOUT", order=order)


def test_ext_allows_fifty_primitive_camel_case_attributes() -> None:
    ext = {f"attr{i}": i for i in range(50)}
    assert parse(ext=ext).ext == ext
    assert "at most 50" in rejected(ext={**ext, "attr50": 1})
    assert "camelCase" in rejected(ext={"snake_name": 1})
    assert "must be a string" in rejected(ext={"nested": {"a": 1}})
    assert "must be a string" in rejected(ext={"nothing": None})


def test_ext_attribute_must_keep_its_value_type_per_event_type() -> None:
    kinds = ExtTypes()
    kinds.check("VIEW", {"status": 1})
    kinds.check("SEARCH", {"status": "open"})
    with pytest.raises(Invalid, match="integer"):
        kinds.check("VIEW", {"status": "one"})


def test_add_consumers_needs_first_and_last_names() -> None:
    consumers = parse(type="ADD_CONSUMERS", consumer=[{"firstname": "Cy", "lastname": "Doe"}]).payload
    assert consumers.people[0].pii == {"firstname": "Cy", "lastname": "Doe"}
    assert "lastname" in rejected(type="ADD_CONSUMERS", consumer=[{"firstname": "Cy"}])
    assert "consumer" in rejected(type="ADD_CONSUMERS")
