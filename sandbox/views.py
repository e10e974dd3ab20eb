"""JSON views of store rows for the inspection API (camelCase keys, exact numbers)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sandbox.rows import (
    AcceptedEvent,
    BatchRecord,
    DroppedEvent,
    Guest,
    ItemFields,
    Order,
    OrderChange,
    OrderItem,
    Rejection,
)
from sandbox.sessions import Session
from sandbox.store import Store


def camel(name: str) -> str:
    """``snake_case`` → ``camelCase``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _camel_dict(value: Any) -> dict[str, Any]:
    return {camel(key): item for key, item in dataclasses.asdict(value).items()}


def item_view(store: Store, item: OrderItem) -> dict[str, Any]:
    """An order line with its extensions and audit fields."""
    fields: ItemFields = item.fields
    return {
        "itemRef": item.item_ref,
        **_camel_dict(fields),
        "createdBy": item.created_by,
        "modifiedBy": item.modified_by,
        "extensions": {e.name: dict(e.data) for e in store.extensions.for_owner("order_item", item.item_ref)},
    }


def guest_summary(guest: Guest | None) -> dict[str, Any] | None:
    """The fields that say who a guest is."""
    if guest is None:
        return None
    return {
        "guestRef": guest.guest_ref,
        "guestType": guest.guest_type,
        "email": guest.email,
        "firstName": guest.first_name,
        "lastName": guest.last_name,
    }


def order_view(store: Store, order: Order) -> dict[str, Any]:
    """An order with lines, extensions, status history, creating/changing APIs and its guest."""
    guest_ref = order.fields.guest_ref
    return {
        "orderRef": order.order_ref,
        **_camel_dict(order.fields),
        "createdBy": order.created_by,
        "modifiedBy": order.modified_by,
        "createdAt": order.created_at,
        "modifiedAt": order.modified_at,
        "statusHistory": [dataclasses.asdict(change) for change in store.orders.history(order.order_ref)],
        "changes": [_change(change) for change in store.orders.changes(order.order_ref)],
        "orderItems": [item_view(store, item) for item in store.items.for_order(order.order_ref)],
        "extensions": {e.name: dict(e.data) for e in store.extensions.for_owner("order", order.order_ref)},
        "guest": guest_summary(store.guests.get(guest_ref) if guest_ref else None),
    }


def _change(change: OrderChange) -> dict[str, Any]:
    return {
        "api": change.api,
        "at": change.at,
        "action": change.action,
        "fields": [camel(f) for f in change.fields],
    }


def guest_view(store: Store, guest: Guest) -> dict[str, Any]:
    """A guest with identifiers, browsers, extensions and order refs."""
    return {
        **_camel_dict(guest),
        "identifiers": [_camel_dict(i) for i in store.guests.identifiers(guest.guest_ref)],
        "browsers": store.browsers.of_guest(guest.guest_ref),
        "extensions": {e.name: dict(e.data) for e in store.extensions.for_owner("guest", guest.guest_ref)},
        "orders": [order.order_ref for order in store.orders.for_guest(guest.guest_ref)],
    }


def event_view(event: AcceptedEvent) -> dict[str, Any]:
    """An accepted Stream event."""
    return _camel_dict(event)


def rejection_view(rejection: Rejection) -> dict[str, Any]:
    """A rejected sequence."""
    return _camel_dict(rejection)


def dropped_view(dropped: DroppedEvent) -> dict[str, Any]:
    """A dropped event."""
    return _camel_dict(dropped)


def batch_view(batch: BatchRecord) -> dict[str, Any]:
    """A Batch upload as the Batch module recorded it."""
    return {"batchRef": batch.batch_ref, "createdAt": batch.created_at, "modifiedAt": batch.modified_at,
            **dict(batch.data)}  # fmt: skip


def session_view(session: Session) -> dict[str, Any]:
    """An open session: its key, cart and how far the order sequence got."""
    browser_id, channel, pos = session.key
    return {
        "sessionId": session.session_id,
        "browserId": browser_id,
        "channel": channel,
        "pos": pos,
        "openedAt": session.opened_at,
        "lastEventAt": session.last_at,
        "cart": sorted(session.lines),
        "confirmed": list(session.confirmed) if session.confirmed is not None else None,
        "orderRef": session.order_ref,
        "violation": None if session.violation is None else dataclasses.asdict(session.violation),
        "eventTypes": list(session.event_types),
    }
