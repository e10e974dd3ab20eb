"""Order events → the CDP write they need (REST v2.1 or Batch), and the routing table.  [pure]

**The routing table** (:data:`ROUTES`, one row per event type; :class:`RoutingPolicy` holds the knobs):

=====================================  =========================================================
event                                  route
=====================================  =========================================================
OrderPlaced, guest tracked             Stream (real-time order assembly)
OrderPlaced, guest anonymous or        ``policy.untracked`` (REST create, or Batch upsert):
refused tracking                       no behavioural signal is sent for them
OrderUpdated / Cancelled / Refunded    ``policy.corrections`` (REST by default, Batch when set or
                                       when the router sees the correction rate above its threshold)
OrderDeleted                           ``policy.deletions`` (REST delete, or Batch delete; both match
                                       ``referenceId`` with ``orderedAt`` within 24 hours)
OrderImported                          ``policy.imports`` (Batch upsert by default)
cart and identity events               Stream
=====================================  =========================================================

A correction carries the order's full new state, so its action is an *upsert* that makes CDP's order
equal that state (fields, lines, extensions); an order CDP does not show yet is waited for (the
Stream creation may still be in flight), except for orders this route creates itself.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from worker.errors import PermanentError
from worker.events import (
    Event,
    ExtensionValue,
    Guest,
    Order,
    OrderCancelled,
    OrderDeleted,
    OrderImported,
    OrderLine,
    OrderPlaced,
    OrderRefunded,
    OrderStatus,
    OrderUpdated,
)
from worker.mapping.fields import cdp_time

#: Order-item types CDP refuses (travel types of the legacy model), cdp-api.md §4.3.
DENIED_ITEM_TYPES = frozenset(
    {"FLIGHT", "HOTEL", "MORTGAGE", "MORTGAGE_APPLICATION", "LOAN_APPLICATION", "PERSONAL_LOAN", "RAIL"}
)
#: Attribute cap of an order / order-item data extension (Batch guideline 50; REST allows 100).
MAX_EXTENSION_ATTRIBUTES = 50
MAX_ITEM_NAME = 128
EXTENSION_NAME = re.compile(r"[a-z][A-Za-z0-9]*\Z")
#: Order status → order-item status (the item status is the v2 enum, which has no PAYMENT_PENDING).
ITEM_STATUS = {OrderStatus.PAYMENT_PENDING: "PENDING"}


class Route(enum.StrEnum):
    """Which CDP API carries an event."""

    STREAM = "stream"
    REST = "rest"
    BATCH = "batch"


class InvalidOrderError(PermanentError):
    """The order cannot be written to CDP as it is (extension limits, item type, name length)."""

    reason = "invalid_order"
    stage = "mapping"


class ExtensionLimitError(InvalidOrderError):
    """A data extension breaks CDP's limits (attribute count, names, primitive values)."""

    reason = "extension_limits"


@dataclass(frozen=True)
class RoutingPolicy:
    """The knobs of the routing table (from :class:`worker.config.Settings`)."""

    corrections: Route = Route.REST
    deletions: Route = Route.REST
    imports: Route = Route.BATCH
    untracked: Route = Route.REST


@dataclass(frozen=True)
class ItemDoc:
    """One order line as CDP stores it: REST item fields, keyed by ``referenceId`` (the line id)."""

    reference_id: str
    fields: Mapping[str, object]
    extensions: Mapping[str, ExtensionValue]


@dataclass(frozen=True)
class OrderDoc:
    """The whole order as CDP should hold it: order fields, contact, lines and extensions."""

    reference_id: str
    ordered_at: str
    fields: Mapping[str, object]
    contact: Mapping[str, object] | None
    items: tuple[ItemDoc, ...]
    extensions: Mapping[str, ExtensionValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Upsert:
    """Make CDP's order equal ``order``; ``create`` says whether a missing order is created at once."""

    order: OrderDoc
    create: bool


@dataclass(frozen=True)
class Delete:
    """Delete the order ``reference_id`` whose ``orderedAt`` lies within 24 hours of ``ordered_at``."""

    reference_id: str
    ordered_at: str


Action = Upsert | Delete


def _corrections(_event: Any, policy: RoutingPolicy) -> Route:
    return policy.corrections


def _placed(event: OrderPlaced, policy: RoutingPolicy) -> Route:
    return policy.untracked if untracked(event.guest) else Route.STREAM


#: Event type → route (types not listed go to the Stream sink).
ROUTES: Mapping[type[Any], Callable[[Any, RoutingPolicy], Route]] = {
    OrderPlaced: _placed,
    OrderUpdated: _corrections,
    OrderCancelled: _corrections,
    OrderRefunded: _corrections,
    OrderDeleted: lambda _e, policy: policy.deletions,
    OrderImported: lambda _e, policy: policy.imports,
}


def route_for(event: Event, policy: RoutingPolicy) -> Route:
    """The API that carries ``event`` under ``policy`` (see the table in the module docstring)."""
    rule = ROUTES.get(type(event))
    return Route.STREAM if rule is None else rule(event, policy)


def untracked(guest: Guest) -> bool:
    """True for a guest whose behaviour must not be streamed (anonymous or refused tracking)."""
    return guest.anonymous or guest.tracking_refused


def is_correction(event: Event) -> bool:
    """True for the events whose default route is ``policy.corrections``."""
    return isinstance(event, OrderUpdated | OrderCancelled | OrderRefunded)


def action_for(event: Event, default_pos: str = "") -> Action:
    """The CDP write ``event`` needs; raises :class:`InvalidOrderError` for an order CDP would refuse."""
    if isinstance(event, OrderDeleted):
        return Delete(reference_id(event.order_id), cdp_time(event.ordered_at))
    if isinstance(event, OrderPlaced | OrderImported | OrderUpdated | OrderCancelled | OrderRefunded):
        doc = order_doc(
            event.order, event.guest, event.context.channel, event.context.point_of_sale or default_pos
        )
        return Upsert(doc, create=isinstance(event, OrderPlaced | OrderImported))
    raise InvalidOrderError(f"{event.event_type} is not an order event")


def reference_id(order_id: str) -> str:
    """CDP's ``referenceId`` of an order: the order id upper-cased, as the Stream CHECKOUT sends it."""
    return order_id.upper()


def order_doc(order: Order, guest: Guest, channel: str, point_of_sale: str) -> OrderDoc:
    """The CDP form of ``order`` (validated against CDP's limits)."""
    ordered_at, ref = cdp_time(order.ordered_at), reference_id(order.order_id)
    fields: dict[str, object] = {
        "referenceId": ref,
        "orderedAt": ordered_at,
        "currencyCode": order.currency.upper(),
        "price": order.total,
        "status": order.status.value,
        "channel": channel.upper(),
    }
    if point_of_sale:
        fields["pointOfSale"] = point_of_sale
    if order.payment is not None:
        fields["paymentType"] = order.payment.type
        if order.payment.card_type:
            fields["cardType"] = order.payment.card_type
    items = tuple(item_doc(line, order, ordered_at) for line in order.lines)
    extensions = checked_extensions(order.extensions, "order")
    return OrderDoc(ref, ordered_at, fields, contact(guest), items, extensions)


def item_doc(line: OrderLine, order: Order, ordered_at: str) -> ItemDoc:
    """One line as a CDP order item (unit price, the order's status and currency)."""
    kind = line.type.upper()
    where = f"line {line.line_id}"
    if kind in DENIED_ITEM_TYPES:
        raise InvalidOrderError(f"{where}: CDP refuses order-item type {kind}")
    if len(line.name) > MAX_ITEM_NAME:
        raise InvalidOrderError(f"{where}: name longer than {MAX_ITEM_NAME} characters")
    fields: dict[str, object] = {
        "referenceId": line.line_id,
        "productId": line.product_id,
        "name": line.name,
        "type": kind,
        "quantity": line.quantity,
        "price": line.unit_price,
        "currencyCode": order.currency.upper(),
        "status": ITEM_STATUS.get(order.status, order.status.value),
        "orderedAt": ordered_at,
    }
    if line.original_unit_price is not None:
        fields["originalPrice"] = line.original_unit_price
    if line.original_currency is not None:
        fields["originalCurrencyCode"] = line.original_currency.upper()
    return ItemDoc(line.line_id, fields, checked_extensions(line.extensions, where))


def contact(guest: Guest) -> dict[str, object] | None:
    """The order contact (links the order to the guest by identifiers / email); None when anonymous."""
    found: dict[str, object] = {}
    if guest.identifiers:
        found["identifiers"] = [{"provider": i.provider, "id": i.id} for i in guest.identifiers]
    if guest.email:
        found["emails"] = [guest.email.lower()]
    if not found:
        return None
    names = {"firstName": guest.first_name, "lastName": guest.last_name}
    return found | {key: value for key, value in names.items() if value}


def checked_extensions(values: Mapping[str, ExtensionValue], where: str) -> dict[str, ExtensionValue]:
    """``values`` when they fit CDP's data-extension rules; else :class:`ExtensionLimitError`."""
    problems = extension_problems(values)
    if problems:
        raise ExtensionLimitError(f"{where} extensions: " + "; ".join(problems))
    return dict(values)


def extension_problems(values: Mapping[str, object]) -> list[str]:
    """Every way ``values`` breaks the rules (count, camelCase alphanumeric names, primitive values)."""
    problems = []
    if len(values) > MAX_EXTENSION_ATTRIBUTES:
        problems.append(f"{len(values)} attributes, at most {MAX_EXTENSION_ATTRIBUTES}")
    for name, value in values.items():
        if not EXTENSION_NAME.match(name) or name in ("name", "key"):
            problems.append(f"{name!r}: not a camelCase alphanumeric attribute name")
        if not isinstance(value, str | bool | int | float | Decimal):
            problems.append(f"{name!r}: {type(value).__name__} is not a primitive value")
    return problems
