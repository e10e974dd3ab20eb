"""Make CDP's order equal an :class:`~worker.mapping.corrections.OrderDoc` over REST v2.1.

Every write is preceded by a look-up, so running an action again (a retry after a timeout, a
redelivered record) converges on the same state instead of duplicating: the order is found by
``referenceId`` (same order = ``orderedAt`` within 2 days, §4.1; delete: within 24 hours, §3.10),
lines by their ``referenceId`` (the line id), extension attributes by name (only changed keys are
written). Duplicate orders or lines (a create whose answer was lost) are deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from worker.cdp.rest_errors import OrderNotVisibleError, RestRejectedError
from worker.mapping.corrections import Delete, ItemDoc, OrderDoc, Upsert

log = logging.getLogger("worker.cdp.rest")

SAME_ORDER_WINDOW = timedelta(days=2)
DELETE_WINDOW = timedelta(hours=24)
ORDER_KEYS = ("currencyCode", "price", "status", "channel", "pointOfSale", "paymentType", "cardType")
Json = dict[str, Any]


class RestPort(Protocol):
    """The REST calls this module makes (:class:`worker.cdp.rest.RestClient`)."""

    async def find_orders(self, reference_id: str) -> list[Json]: ...
    async def create_order(self, body: Mapping[str, object]) -> Json: ...
    async def replace_order(self, order_ref: str, body: Mapping[str, object]) -> Json: ...
    async def delete_order(self, order_ref: str) -> None: ...
    async def list_items(self, order_ref: str) -> list[Json]: ...
    async def create_item(self, order_ref: str, body: Mapping[str, object]) -> Json: ...
    async def replace_item(self, item_ref: str, body: Mapping[str, object]) -> Json: ...
    async def delete_item(self, item_ref: str) -> None: ...
    async def create_contact(self, order_ref: str, body: Mapping[str, object]) -> Json: ...
    async def get_extension(self, owner: str, ref: str) -> dict[str, object] | None: ...
    async def create_extension(self, owner: str, ref: str, data: Mapping[str, object]) -> None: ...
    async def patch_extension(self, owner: str, ref: str, data: Mapping[str, object]) -> None: ...
    async def delete_extension_keys(self, owner: str, ref: str, keys: list[str] | None) -> None: ...


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset); None when it is not one."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def matching(orders: list[Json], ordered_at: str, window: timedelta) -> list[Json]:
    """The orders whose ``orderedAt`` lies within ``window`` of ``ordered_at``."""
    wanted = parse_time(ordered_at)
    found = []
    for order in orders:
        when = parse_time(order.get("orderedAt"))
        if wanted is not None and when is not None and abs(when - wanted) <= window:
            found.append(order)
    return found


def same_value(current: object, desired: object) -> bool:
    """Equal as CDP compares: numbers by value (``129.95`` == Decimal ``129.95``), booleans strictly."""
    if isinstance(current, bool) or isinstance(desired, bool):
        return type(current) is type(desired) and current == desired
    if isinstance(current, int | float | Decimal) and isinstance(desired, int | float | Decimal):
        try:
            return Decimal(str(current)) == Decimal(str(desired))
        except InvalidOperation:
            return False
    if isinstance(desired, str) and parse_time(desired) is not None and "T" in desired:
        return parse_time(current) == parse_time(desired)
    return current == desired


def differs(current: Mapping[str, object], desired: Mapping[str, object], keys: tuple[str, ...]) -> bool:
    """True when any of ``keys`` differs between the stored resource and the wanted fields."""
    return any(not same_value(current.get(key), desired.get(key)) for key in keys)


class RestOrderWriter:
    """Applies :class:`Upsert` and :class:`Delete` actions through a :class:`RestPort`."""

    def __init__(self, rest: RestPort) -> None:
        self._rest = rest

    async def upsert(self, action: Upsert, create: bool) -> None:
        """Make CDP's order equal ``action.order``; a missing order is created only when ``create``.

        Raises :class:`OrderNotVisibleError` when the order is missing and ``create`` is false.
        """
        doc = action.order
        found = matching(await self._rest.find_orders(doc.reference_id), doc.ordered_at, SAME_ORDER_WINDOW)
        if not found and not create:
            raise OrderNotVisibleError(f"order {doc.reference_id} is not in CDP yet")
        order, fresh = (found[0], False) if found else (await self._rest.create_order(doc.fields), True)
        for duplicate in found[1:]:
            log.warning("deleting a duplicate order", extra={"reference_id": doc.reference_id})
            await self._rest.delete_order(duplicate["ref"])
        if not fresh and differs(order, doc.fields, ORDER_KEYS):
            await self._rest.replace_order(order["ref"], doc.fields)
        if doc.contact is not None and "contact" not in order:
            await self._contact(order["ref"], doc.contact, fresh)
        await self._items(order["ref"], doc.items, fresh)
        await self.extension("orders", order["ref"], doc.extensions, fresh)

    async def _contact(self, order_ref: str, contact: Mapping[str, object], fresh: bool) -> None:
        """Link the order to its guest. Also repairs an order whose earlier create stopped before it."""
        try:
            await self._rest.create_contact(order_ref, contact)
        except RestRejectedError as exc:
            if fresh:
                raise
            # An order CDP assembled from Stream is already linked to its guest (ADD_CONTACTS /
            # IDENTITY); CDP refusing a second contact there is no reason to fail the correction.
            log.warning("contact not added to an existing order: %s", exc, extra={"order_ref": order_ref})

    async def exists(self, doc: OrderDoc) -> bool:
        """Whether CDP holds the order (same ``referenceId``, ``orderedAt`` within 2 days)."""
        found = await self._rest.find_orders(doc.reference_id)
        return bool(matching(found, doc.ordered_at, SAME_ORDER_WINDOW))

    async def delete(self, action: Delete) -> int:
        """Delete the matching orders (``orderedAt`` within 24 h); the number deleted."""
        found = await self.find_deletable(action)
        await self.delete_orders(found)
        return len(found)

    async def find_deletable(self, action: Delete) -> list[Json]:
        """The orders ``action`` deletes: same ``referenceId``, ``orderedAt`` within 24 hours."""
        return matching(await self._rest.find_orders(action.reference_id), action.ordered_at, DELETE_WINDOW)

    async def delete_orders(self, orders: list[Json]) -> None:
        """Delete each of ``orders`` (as found by :meth:`find_deletable`)."""
        for order in orders:
            await self._rest.delete_order(order["ref"])

    async def _items(self, order_ref: str, items: tuple[ItemDoc, ...], fresh: bool) -> None:
        current = [] if fresh else await self._rest.list_items(order_ref)
        wanted = {item.reference_id for item in items}
        by_reference: dict[str, Json] = {}
        for stored in current:
            key = str(stored.get("referenceId"))
            if key in by_reference or key not in wanted:
                await self._rest.delete_item(stored["ref"])
            else:
                by_reference[key] = stored
        for item in items:
            await self._item(order_ref, item, by_reference.get(item.reference_id))

    async def _item(self, order_ref: str, item: ItemDoc, current: Json | None) -> None:
        if current is None:
            created = await self._rest.create_item(order_ref, item.fields)
            await self.extension("orderItems", created["ref"], item.extensions, True)
            return
        if differs(current, item.fields, tuple(set(item.fields) | {"originalPrice", "originalCurrencyCode"})):
            await self._rest.replace_item(current["ref"], item.fields)
        await self.extension("orderItems", current["ref"], item.extensions, False)

    async def extension(self, owner: str, ref: str, desired: Mapping[str, object], fresh: bool) -> None:
        """Make the ``ext`` extension equal ``desired``, writing only changed keys.

        ``fresh`` says the owner was just created (it has no extension, no look-up needed).
        """
        current = None if fresh else await self._rest.get_extension(owner, ref)
        if current is None:
            if desired:
                await self._rest.create_extension(owner, ref, desired)
            return
        if not desired:
            if current:
                await self._rest.delete_extension_keys(owner, ref, None)
            return
        removed = sorted(set(current) - set(desired))
        changed = {k: v for k, v in desired.items() if k not in current or not same_value(current[k], v)}
        if removed:
            await self._rest.delete_extension_keys(owner, ref, removed)
        if changed:
            await self._rest.patch_extension(owner, ref, changed)
