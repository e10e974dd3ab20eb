"""Event-specific Stream attributes (cdp-api.md §2.5): one parser per event type, in a table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sandbox import codes
from sandbox import stream_checks as c
from sandbox.config import StrictSwitches
from sandbox.rows import Identifier, ItemFields, JsonValue

PII_KEYS = ("email", "title", "firstname", "lastname", "gender", "dob", "mobile", "phone", "street", "city",
            "state", "country", "postal_code")  # fmt: skip
#: ADD_CONTACTS keys with the IDENTITY spellings (the strict reading of [U] §8.4).
CONTACT_KEYS = frozenset({*PII_KEYS, "identifiers"})
#: Extra spellings accepted with ``--any-contact-keys``, mapped to the IDENTITY spelling.
CONTACT_ALIASES = {"firstName": "firstname", "lastName": "lastname", "postCode": "postal_code",
                   "dateOfBirth": "dob", "phoneNumber": "phone"}  # fmt: skip


@dataclass(frozen=True)
class AddProduct:
    """ADD ``product``: one cart line (``price`` is the unit price)."""

    item_id: str
    type: str
    name: str
    ordered_at: str
    quantity: Decimal
    price: Decimal
    product_id: str
    currency: str
    reference_id: str | None
    original_price: Decimal | None
    original_currency: str | None


@dataclass(frozen=True)
class Confirm:
    """CONFIRM: the item ids of the basket snapshot, in the order sent."""

    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class Checkout:
    """CHECKOUT: the order's reference id and status."""

    reference_id: str
    status: str


@dataclass(frozen=True)
class Payment:
    """PAYMENT: how the order was paid."""

    pay_type: str


@dataclass(frozen=True)
class Person:
    """IDENTITY, or one ADD_CONTACTS contact: identifiers plus supplementary PII."""

    identifiers: tuple[Identifier, ...]
    email: str | None
    pii: Mapping[str, object]


@dataclass(frozen=True)
class Contacts:
    """ADD_CONTACTS: the order owner(s)."""

    people: tuple[Person, ...]


@dataclass(frozen=True)
class Consumers:
    """ADD_CONSUMERS: people who consume items; CDP runs no identity resolution on them."""

    people: tuple[Person, ...]


@dataclass(frozen=True)
class OrderCheckout:
    """ORDER_CHECKOUT ``order``: a whole order in one event."""

    reference_id: str
    ordered_at: str
    status: str
    currency_code: str
    price: Decimal
    payment_type: str
    card_type: str | None
    ext: Mapping[str, JsonValue] | None
    items: tuple[tuple[ItemFields, Mapping[str, JsonValue] | None], ...]


Payload = AddProduct | Confirm | Checkout | Payment | Person | Contacts | Consumers | OrderCheckout


def parse_add(data: c.Obj, strict: StrictSwitches) -> AddProduct:
    """ADD: ``product`` with the documented required fields."""
    p, w = c.obj(data.get("product"), "product"), "product"
    return AddProduct(
        item_id=c.need_text(p, "item_id", w),
        type=c.upper(p, "type", w) or "",
        name=c.need_text(p, "name", w),
        ordered_at=c.timestamp(p, "orderedAt", w) or "",
        quantity=_positive(c.need_number(p, "quantity", w), "product.quantity"),
        price=c.need_number(p, "price", w),
        product_id=c.need_text(p, "productId", w),
        currency=c.coded(p, "currency", codes.CURRENCIES, "ISO 4217 currency", w) or "",
        reference_id=c.text(p, "referenceId", w, required=strict.require_product_reference_id),
        original_price=c.number(p, "originalPrice", w, required=False),
        original_currency=c.coded(
            p, "originalCurrencyCode", codes.CURRENCIES, "ISO 4217 currency", w, required=False
        ),
    )


def _positive(value: Decimal, where: str) -> Decimal:
    if value <= 0:
        raise c.Invalid(f"{where} must be greater than 0")
    return value


def parse_confirm(data: c.Obj, _: StrictSwitches) -> Confirm:
    """CONFIRM: ``product`` is an array of ``{"item_id": ...}``."""
    entries = c.array(data, "product")
    ids = tuple(
        c.need_text(c.obj(e, f"product[{i}]"), "item_id", f"product[{i}]") for i, e in enumerate(entries)
    )
    return Confirm(ids)


def parse_checkout(data: c.Obj, _: StrictSwitches) -> Checkout:
    """CHECKOUT: upper-case ``reference_id`` and a documented ``status``."""
    reference = c.need_text(data, "reference_id")
    if reference != reference.upper():
        raise c.Invalid(f"reference_id must be upper case, got {reference!r}")
    status = c.one_of(data, "status", codes.CHECKOUT_STATUSES) or ""
    return Checkout(reference, status)


def parse_payment(data: c.Obj, _: StrictSwitches) -> Payment:
    """PAYMENT: ``pay_type``."""
    return Payment(c.need_text(data, "pay_type"))


def _identifiers(data: c.Obj, where: str, *, required: bool) -> tuple[Identifier, ...]:
    found = []
    for i, entry in enumerate(c.array(data, "identifiers", where, required=required)):
        at = f"{where + '.' if where else ''}identifiers[{i}]"
        item = c.obj(entry, at)
        expiry = c.timestamp(item, "expiry_date", at, required=False)
        found.append(Identifier(c.need_text(item, "provider", at), c.need_text(item, "id", at), expiry))
    return tuple(found)


def _person(data: c.Obj, where: str, *, identifiers_required: bool) -> Person:
    email = c.text(data, "email", where, required=False)
    if email is not None and "@" not in email:
        raise c.Invalid(f"{where + '.' if where else ''}email is not an email address")
    if data.get("country") is not None:
        country = c.need_text(data, "country", where)
        if not (len(country) == 2 and country.isalpha() and country.isupper()):
            raise c.Invalid(f"{where + '.' if where else ''}country must be an ISO 3166-1 alpha-2 code")
    street = data.get("street")
    if street is not None and not (isinstance(street, list) and all(isinstance(s, str) for s in street)):
        raise c.Invalid(f"{where + '.' if where else ''}street must be an array of strings")
    c.timestamp(data, "dob", where, required=False)
    pii = {key: data[key] for key in PII_KEYS if data.get(key) is not None}
    return Person(_identifiers(data, where, required=identifiers_required), email, pii)


def parse_identity(data: c.Obj, _: StrictSwitches) -> Person:
    """IDENTITY: ``identifiers[{provider, id, expiry_date?}]`` (required) plus optional PII."""
    return _person(data, "", identifiers_required=True)


def _contact(entry: object, where: str, strict: StrictSwitches) -> Person:
    data = dict(c.obj(entry, where))
    if not strict.contact_identity_spellings_only:
        data = {CONTACT_ALIASES.get(key, key): value for key, value in data.items()}
    unknown = sorted(set(data) - CONTACT_KEYS)
    if unknown:
        raise c.Invalid(f"{where} has unknown attributes {unknown}; use the IDENTITY spellings")
    return _person(data, where, identifiers_required=False)


def parse_contacts(data: c.Obj, strict: StrictSwitches) -> Contacts:
    """ADD_CONTACTS: ``contact`` is an array of people."""
    entries = c.array(data, "contact")
    return Contacts(tuple(_contact(e, f"contact[{i}]", strict) for i, e in enumerate(entries)))


def _consumer(entry: object, where: str, strict: StrictSwitches) -> Person:
    data = dict(c.obj(entry, where))
    if not strict.contact_identity_spellings_only:
        data = {CONTACT_ALIASES.get(key, key): value for key, value in data.items()}
    c.need_text(data, "firstname", where)
    c.need_text(data, "lastname", where)
    return Person(
        (), c.text(data, "email", where, required=False), {k: data[k] for k in PII_KEYS if k in data}
    )


def parse_consumers(data: c.Obj, strict: StrictSwitches) -> Consumers:
    """ADD_CONSUMERS: ``consumer`` is an array of people with first and last name (no identity run)."""
    entries = c.array(data, "consumer")
    return Consumers(tuple(_consumer(e, f"consumer[{i}]", strict) for i, e in enumerate(entries)))


def _order_ext(order: c.Obj, where: str) -> Mapping[str, JsonValue] | None:
    entries = c.array(order, "extensions", where, required=False)
    if not entries:
        return None
    if len(entries) != 1:
        raise c.Invalid(f"{where}.extensions must hold exactly one extension")
    ext = dict(c.obj(entries[0], f"{where}.extensions[0]"))
    if ext.pop("name", None) != "ext" or ext.pop("key", "default") != "default":
        raise c.Invalid(f'{where}.extensions[0] must have name "ext" and key "default"')
    return c.ext_attributes(ext, f"{where}.extensions[0]")


def _order_item(
    entry: object, where: str, currency: str
) -> tuple[ItemFields, Mapping[str, JsonValue] | None]:
    item = c.obj(entry, where)
    kind = c.upper(item, "type", where, required=False)
    if kind in codes.FORBIDDEN_ITEM_TYPES:
        raise c.Invalid(f"{where}.type {kind!r} is not allowed for commerce orders")
    fields = ItemFields(
        name=c.text(item, "name", where, required=False) or "",
        type=kind or "",
        price=c.number(item, "price", where, required=False) or Decimal(0),
        currency_code=c.coded(item, "currencyCode", codes.CURRENCIES, "ISO 4217", where, required=False)
        or currency,
        reference_id=c.text(item, "referenceId", where, required=False),
        product_id=c.text(item, "productId", where, required=False),
        quantity=c.number(item, "quantity", where, required=False),
        status=c.upper(item, "status", where, required=False),
        ordered_at=c.timestamp(item, "orderedAt", where, required=False),
    )
    return fields, _order_ext(item, where)


def parse_order_checkout(data: c.Obj, _: StrictSwitches) -> OrderCheckout:
    """ORDER_CHECKOUT: the ``order`` object with its items and extension."""
    o, w = c.obj(data.get("order"), "order"), "order"
    payment_type = c.need_text(o, "paymentType", w)
    card_required = payment_type.casefold() == "card"
    card = c.one_of(o, "cardType", codes.CARD_TYPES, w, required=card_required)
    currency = c.coded(o, "currencyCode", codes.CURRENCIES, "ISO 4217 currency", w) or ""
    items = c.array(o, "orderItems", w, required=False)
    return OrderCheckout(
        reference_id=c.need_text(o, "referenceId", w),
        ordered_at=c.timestamp(o, "orderedAt", w) or "",
        status=c.one_of(o, "status", codes.CHECKOUT_STATUSES, w) or "",
        currency_code=currency,
        price=c.need_number(o, "price", w),
        payment_type=payment_type,
        card_type=card,
        ext=_order_ext(o, w),
        items=tuple(_order_item(e, f"{w}.orderItems[{i}]", currency) for i, e in enumerate(items)),
    )


PAYLOAD_PARSERS: dict[str, Callable[[c.Obj, StrictSwitches], Payload]] = {
    "ADD": parse_add,
    "CONFIRM": parse_confirm,
    "CHECKOUT": parse_checkout,
    "PAYMENT": parse_payment,
    "IDENTITY": parse_identity,
    "ADD_CONTACTS": parse_contacts,
    "ADD_CONSUMERS": parse_consumers,
    "ORDER_CHECKOUT": parse_order_checkout,
}
