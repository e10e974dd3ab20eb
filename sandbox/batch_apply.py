"""Applying one valid Batch record to the store (guest and order modes, cdp-api.md §3.5-§3.10).

:func:`apply_record` returns None when the record was applied, or the :class:`LogLine` it earns.
Writes are recorded with ``created_by``/``modified_by`` = ``"batch"``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal

from sandbox import rest_identity as identity
from sandbox.app import AppContext
from sandbox.batch_file import LogLine, Record
from sandbox.rest_repo import PeopleRepo
from sandbox.rows import ItemFields, Order, OrderFields

#: Batch order delete (and upsert matching): same referenceId, orderedAt within 24 hours (§3.10).
BATCH_WINDOW = timedelta(hours=24)
_ORDER_KEYS = {
    "referenceId": "reference_id",
    "orderedAt": "ordered_at",
    "status": "status",
    "currencyCode": "currency_code",
    "price": "price",
    "paymentType": "payment_type",
    "cardType": "card_type",
    "pointOfSale": "point_of_sale",
    "channel": "channel",
}
_ITEM_KEYS = {
    "name": "name",
    "type": "type",
    "price": "price",
    "currencyCode": "currency_code",
    "referenceId": "reference_id",
    "productId": "product_id",
    "quantity": "quantity",
    "status": "status",
    "originalPrice": "original_price",
    "originalCurrencyCode": "original_currency_code",
    "description": "description",
    "vendor": "vendor",
    "orderedAt": "ordered_at",
}
_DECIMALS = frozenset({"price", "quantity", "original_price"})


def _renamed(value: Mapping[str, object], names: Mapping[str, str]) -> dict[str, object]:
    found = {store: value[rest] for rest, store in names.items() if value.get(rest) is not None}
    return {k: Decimal(str(v)) if k in _DECIMALS else v for k, v in found.items()}


def _ext_data(value: Mapping[str, object]) -> dict[str, object] | None:
    exts = value.get("extensions")
    if not isinstance(exts, list) or not exts:
        return None
    return {k: v for k, v in dict(exts[0]).items() if k not in ("name", "key")}


class RecordApplier:
    """Applies records of one batch to the store of ``ctx``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.people = PeopleRepo(ctx.store.conn)

    def _contact_guest(self, record: Record) -> str | LogLine:
        contact = record.value.get("contact")
        person = identity.person_of(contact if isinstance(contact, dict) else {})
        if not identity.has_identity(self.ctx, person):
            return LogLine(record.ref, 400, "Not enough identifying information")
        return identity.resolve_guest(self.ctx, person, "batch")

    def _write_lines(self, order_ref: str, value: Mapping[str, object]) -> None:
        store = self.ctx.store
        for item in store.items.for_order(order_ref):
            store.items.delete(item.item_ref)
        items = value.get("orderItems")
        for raw in items if isinstance(items, list) else []:
            fields = ItemFields(**_renamed(raw, _ITEM_KEYS))  # type: ignore[arg-type]  # validated record
            line = store.items.create(order_ref, fields, "batch")
            ext = _ext_data(raw)
            if ext is not None:
                store.extensions.put("order_item", line.item_ref, ext)  # type: ignore[arg-type]  # primitives only

    def _write_extras(self, order_ref: str, guest_ref: str, value: Mapping[str, object]) -> None:
        ext = _ext_data(value)
        if ext is not None:
            self.ctx.store.extensions.put("order", order_ref, ext)  # type: ignore[arg-type]  # primitives only
        contact = value.get("contact")
        if isinstance(contact, dict):
            self.people.delete_order(order_ref)
            self.people.create("contact", order_ref, guest_ref, contact, self.ctx.now_iso())
        consumers = value.get("consumers")
        for raw in consumers if isinstance(consumers, list) else []:
            traveller = identity.guest_fields(identity.person_of(raw), "traveller")
            guest = self.ctx.store.guests.create(traveller, "batch", self.ctx.now_iso())
            self.people.create("consumer", order_ref, guest.guest_ref, raw, self.ctx.now_iso())

    def _insert(self, record: Record, guest_ref: str) -> None:
        fields = OrderFields(**_renamed(record.value, _ORDER_KEYS), guest_ref=guest_ref)  # type: ignore[arg-type]  # validated record
        order = self.ctx.store.orders.create(fields, "batch", self.ctx.now_iso())
        self._write_lines(order.order_ref, record.value)
        self._write_extras(order.order_ref, guest_ref, record.value)

    def order_insert(self, record: Record) -> LogLine | None:
        """``order``/``insert``: a new order with its lines, extension, contact and consumers."""
        guest_ref = self._contact_guest(record)
        if isinstance(guest_ref, LogLine):
            return guest_ref
        self._insert(record, guest_ref)
        return None

    def _matches(self, value: Mapping[str, object]) -> list[Order]:
        orders = self.ctx.store.orders
        reference_id, ordered_at = str(value["referenceId"]), value.get("orderedAt")
        if ordered_at is None:
            return orders.find_by_reference(reference_id)
        return orders.find_matching(reference_id, str(ordered_at), BATCH_WINDOW)

    def order_upsert(self, record: Record) -> LogLine | None:
        """``order``/``upsert``: update the matching order (24 h window) or insert a new one."""
        guest_ref = self._contact_guest(record)
        if isinstance(guest_ref, LogLine):
            return guest_ref
        found = self._matches(record.value)
        if len(found) > 1:
            return LogLine(record.ref, 400, "More than one order matches referenceId and orderedAt")
        if not found:
            return self._upsert_new(record, guest_ref)
        changes = _renamed(record.value, _ORDER_KEYS) | {"guest_ref": guest_ref}
        changes.pop("ordered_at")
        merged = dataclasses.replace(found[0].fields, **changes)  # type: ignore[arg-type]  # validated record
        self.ctx.store.orders.replace(found[0].order_ref, merged, "batch", self.ctx.now_iso())
        if "orderItems" in record.value:
            self._write_lines(found[0].order_ref, record.value)
        self._write_extras(found[0].order_ref, guest_ref, record.value)
        return None

    def _upsert_new(self, record: Record, guest_ref: str) -> LogLine | None:
        missing = [k for k in ("status", "currencyCode", "price") if k not in record.value]
        if missing:
            return LogLine(record.ref, 400, f"Validation error: a new order needs {missing}")
        self._insert(record, guest_ref)
        return None

    def order_delete(self, record: Record) -> LogLine | None:
        """``order``/``delete``: the one order matching referenceId (+ orderedAt ±24 h, or orderRef)."""
        value = record.value
        found = self._matches(value)
        if value.get("orderRef") is not None:
            found = [o for o in found if o.order_ref == value["orderRef"]]
        if not found:
            return LogLine(
                record.ref, 404, "No order found for the provided referenceId and orderedAt attributes"
            )
        if len(found) > 1:
            return LogLine(record.ref, 400, _AMBIGUOUS)
        for item in self.ctx.store.items.for_order(found[0].order_ref):
            self.ctx.store.items.delete(item.item_ref)
        self.people.delete_order(found[0].order_ref)
        self.ctx.store.orders.delete(found[0].order_ref)
        return None

    def guest_upsert(self, record: Record) -> LogLine | None:
        """``guest``/``upsert`` (and ``migration``): create or update the identified customer."""
        person = identity.person_of(record.value)
        if not identity.has_identity(self.ctx, person):
            return LogLine(record.ref, 400, "Not enough identifying information")
        guest_ref = identity.resolve_guest(self.ctx, person, "batch")
        fields = identity.guest_fields(person, "customer")
        changes = {k: v for k, v in dataclasses.asdict(fields).items() if v}
        self.ctx.store.guests.update(guest_ref, changes, self.ctx.now_iso())
        ext = _ext_data(record.value)
        if ext is not None:
            self.ctx.store.extensions.put("guest", guest_ref, ext)  # type: ignore[arg-type]  # primitives only
        return None

    def _in_session(self, guest_ref: str) -> bool:
        browsers = set(self.ctx.store.browsers.of_guest(guest_ref))
        return any(s.key[0] in browsers for s in self.ctx.sessions.open_sessions(self.ctx.clock.now()))

    def guest_delete(self, record: Record) -> LogLine | None:
        """``guest``/``delete`` keeps orders; ``gdpr_delete`` removes them too."""
        guest = identity.find_guest(self.ctx, identity.person_of(record.value))
        if guest is None:
            return LogLine(record.ref, 404, "Guest not found")
        if self._in_session(guest.guest_ref):
            return LogLine(record.ref, 403, "Action not allowed: the guest has an active session")
        with_orders = record.mode == "gdpr_delete"
        for order in self.ctx.store.orders.for_guest(guest.guest_ref) if with_orders else []:
            self.people.delete_order(order.order_ref)
            self.ctx.store.orders.delete(order.order_ref)
        delete_guest_rows(self.ctx, guest.guest_ref)
        return None


Appliers = dict[tuple[str, str], Callable[[Record], LogLine | None]]
_AMBIGUOUS = (
    "More than one order exists with that referenceId, please supply the orderedAt "
    "(or the orderRef when several lie within 24 hours)"
)


def delete_guest_rows(ctx: AppContext, guest_ref: str) -> None:
    """Remove a guest profile, its identifiers, browsers and extensions (the core has no delete)."""
    conn = ctx.store.conn
    for table in ("identifiers", "browsers", "guests"):
        conn.execute(f"DELETE FROM {table} WHERE guest_ref = ?", (guest_ref,))  # noqa: S608  (constant names)
    conn.execute("DELETE FROM extensions WHERE owner_kind = 'guest' AND owner_ref = ?", (guest_ref,))


def appliers(applier: RecordApplier) -> Appliers:
    """(schema, mode) → the method that applies such a record."""
    return {
        ("order", "insert"): applier.order_insert,
        ("order", "upsert"): applier.order_upsert,
        ("order", "delete"): applier.order_delete,
        ("guest", "upsert"): applier.guest_upsert,
        ("guest", "migration"): applier.guest_upsert,
        ("guest", "delete"): applier.guest_delete,
        ("guest", "gdpr_delete"): applier.guest_delete,
    }
