"""REST v2.1 resource bodies rendered from store rows (pure; ``base`` is the URL root)."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.rest_repo import Person
from sandbox.rows import Extension, Guest, Identifier, Order, OrderItem

V = "/v2.1"

#: Store field name → REST attribute name, for orders and items.
ORDER_NAMES = {
    "reference_id": "referenceId",
    "ordered_at": "orderedAt",
    "status": "status",
    "currency_code": "currencyCode",
    "price": "price",
    "payment_type": "paymentType",
    "card_type": "cardType",
    "point_of_sale": "pointOfSale",
    "channel": "channel",
}
ITEM_NAMES = {
    "name": "name",
    "type": "type",
    "price": "price",
    "currency_code": "currencyCode",
    "reference_id": "referenceId",
    "product_id": "productId",
    "quantity": "quantity",
    "status": "status",
    "original_price": "originalPrice",
    "original_currency_code": "originalCurrencyCode",
    "description": "description",
    "vendor": "vendor",
    "ordered_at": "orderedAt",
}


def order_href(base: str, order_ref: str) -> str:
    """Canonical URI of an order."""
    return f"{base}{V}/orders/{order_ref}"


def item_href(base: str, item_ref: str) -> str:
    """Canonical URI of an order item."""
    return f"{base}{V}/orderItems/{item_ref}"


def guest_href(base: str, guest_ref: str) -> str:
    """Canonical URI of a guest (its last segment is the guest ref)."""
    return f"{base}{V}/guests/{guest_ref}"


def _renamed(values: Mapping[str, object], names: Mapping[str, str]) -> dict[str, object]:
    return {rest: values[store] for store, rest in names.items() if values.get(store) is not None}


def order_view(base: str, order: Order, contact: Person | None) -> dict[str, object]:
    """An order resource with links to its items, consumers, extensions and contact."""
    href = order_href(base, order.order_ref)
    view: dict[str, object] = {"href": href, "ref": order.order_ref}
    view |= _renamed(vars(order.fields), ORDER_NAMES)
    view |= {"createdAt": order.created_at, "modifiedAt": order.modified_at}
    view |= {"orderItems": {"href": f"{href}/orderItems"}, "consumers": {"href": f"{href}/consumers"}}
    view["extensions"] = {"href": f"{href}/extensions"}
    if contact is not None:
        view["contact"] = {"href": f"{base}{V}/orderContacts/{contact.ref}"}
    return view


def item_view(base: str, item: OrderItem, extras: Mapping[str, object]) -> dict[str, object]:
    """An order-item resource linking back to its order."""
    view: dict[str, object] = {"href": item_href(base, item.item_ref), "ref": item.item_ref}
    view |= _renamed(vars(item.fields), ITEM_NAMES) | dict(extras)
    view["order"] = {"href": order_href(base, item.order_ref)}
    view["extensions"] = {"href": f"{item_href(base, item.item_ref)}/extensions"}
    return view


def person_view(base: str, person: Person) -> dict[str, object]:
    """A contact or consumer resource; ``guest.href`` ends in the linked guest ref."""
    path = "orderContacts" if person.kind == "contact" else "orderConsumers"
    view: dict[str, object] = {"href": f"{base}{V}/{path}/{person.ref}", "ref": person.ref}
    view |= {k: v for k, v in person.data.items() if k != "guest"}
    view["order"] = {"href": order_href(base, person.order_ref)}
    if person.guest_ref is not None:
        view["guest"] = {"href": guest_href(base, person.guest_ref)}
    return view


def extension_view(href: str, ext: Extension) -> dict[str, object]:
    """A data extension: ``name`` and ``key`` (set automatically) plus its attributes."""
    return {"href": href, "name": ext.name, "key": "default", **ext.data}


def _identifier(identifier: Identifier) -> dict[str, object]:
    found: dict[str, object] = {"provider": identifier.provider, "id": identifier.id}
    return found | ({"expiryDate": identifier.expiry_date} if identifier.expiry_date else {})


def guest_view(base: str, guest: Guest, identifiers: list[Identifier]) -> dict[str, object]:
    """A guest resource with its identity data."""
    view: dict[str, object] = {"href": guest_href(base, guest.guest_ref), "ref": guest.guest_ref}
    view |= {"guestType": guest.guest_type, "createdAt": guest.created_at, "modifiedAt": guest.modified_at}
    names = {"firstName": guest.first_name, "lastName": guest.last_name}
    view |= {k: v for k, v in names.items() if v is not None}
    view |= {"emails": [guest.email]} if guest.email else {}
    return view | {"identifiers": [_identifier(i) for i in identifiers]}
