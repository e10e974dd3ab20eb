"""One small function per event type → the Stream steps of its plan.  [pure]

The session cart (lines already ADDed in the browser's open session) is an input: an order whose
lines were streamed as cart events with the same content sends only the ADDs that are missing and
CONFIRMs the items the session already holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from worker.events import (
    CartCleared,
    CartItemAdded,
    CartItemRemoved,
    CartItemUpdated,
    Guest,
    GuestIdentified,
    Order,
    OrderLine,
    OrderPlaced,
)
from worker.mapping import fields
from worker.plans import CartLine, Step, StreamEvent

Steps = tuple[Step, ...]


@dataclass(frozen=True)
class MappingOptions:
    """Switches of the Stream mapping (from the ``CDPW_STREAM_*`` settings)."""

    #: Identified guests' orders go as IDENTITY + ORDER_CHECKOUT instead of the multi-event flow.
    single_event: bool = False
    #: The multi-event flow includes ADD_CONTACTS (order owner) before CONFIRM.
    add_contacts: bool = True
    #: An IDENTITY is sent before an identified guest's order.
    send_identity: bool = True
    #: Point of sale used when an event names none.
    default_pos: str = ""
    #: Orders end with FORCE_CLOSE, so the browser's next order gets a session of its own (a session
    #: whose cart became an order cannot hold a second one).
    close_session_after_order: bool = True


@dataclass(frozen=True)
class Inputs:
    """What a mapper may read besides the event: the options and the session's cart."""

    options: MappingOptions
    session_cart: Mapping[str, CartLine]


def add_step(line: OrderLine, item: str, currency: str, ordered_at: datetime) -> Step:
    attrs = {"product": fields.product(line, item, currency, ordered_at)}
    return Step(f"ADD:{item}", StreamEvent.ADD, attrs, line=fields.cart_line(line, item, currency))


def clear_cart_step() -> Step:
    return Step("CLEAR_CART", StreamEvent.CLEAR_CART)


def identity_steps(guest: Guest, given: Inputs) -> Steps:
    """IDENTITY when switched on and the guest has identifiers; nothing otherwise."""
    if not (given.options.send_identity and fields.identified(guest)):
        return ()
    attrs = {"identifiers": fields.identifiers(guest), **fields.person(guest)}
    return (Step("IDENTITY", StreamEvent.IDENTITY, attrs),)


def contact_steps(guest: Guest, given: Inputs) -> Steps:
    """ADD_CONTACTS with the order owner when switched on and there is something to say about them."""
    contact = fields.person(guest)
    if fields.identified(guest):
        contact["identifiers"] = fields.identifiers(guest)
    if not (given.options.add_contacts and contact):
        return ()
    return (Step("ADD_CONTACTS", StreamEvent.ADD_CONTACTS, {"contact": [contact]}),)


# cart events ----------------------------------------------------------------------------------------
def cart_item_added(event: CartItemAdded, _given: Inputs) -> Steps:
    item = fields.item_id(event.cart_id, event.line.line_id)
    return (add_step(event.line, item, event.context.currency, event.occurred_at),)


def cart_item_updated(event: CartItemUpdated, _given: Inputs) -> Steps:
    """The new state of the line; the same ``item_id`` makes CDP replace it."""
    item = fields.item_id(event.cart_id, event.line.line_id)
    return (add_step(event.line, item, event.context.currency, event.occurred_at),)


def cart_item_removed(event: CartItemRemoved, _given: Inputs) -> Steps:
    """Stream has no REMOVE: CLEAR_CART, then ADD each remaining line again."""
    currency, at = event.context.currency, event.occurred_at
    adds = tuple(
        add_step(line, fields.item_id(event.cart_id, line.line_id), currency, at)
        for line in event.remaining_lines
    )
    return (clear_cart_step(), *adds)


def cart_cleared(_event: CartCleared, _given: Inputs) -> Steps:
    return (clear_cart_step(),)


def guest_identified(event: GuestIdentified, given: Inputs) -> Steps:
    return identity_steps(event.guest, given)


# orders -----------------------------------------------------------------------------------------------
def order_placed(event: OrderPlaced, given: Inputs) -> Steps:
    """Single-event flow for identified, paying guests when switched on; multi-event flow otherwise."""
    single = given.options.single_event and fields.identified(event.guest) and event.order.payment is not None
    return single_event_order(event, given) if single else multi_event_order(event, given)


def multi_event_order(event: OrderPlaced, given: Inputs) -> Steps:
    """[IDENTITY] ADD (missing lines) [ADD_CONTACTS] CONFIRM CHECKOUT [PAYMENT] (cdp-api.md §2.6 A)."""
    order = event.order
    adds, items = order_lines(order, given.session_cart)
    confirm = Step("CONFIRM", StreamEvent.CONFIRM, {"product": [{"item_id": item} for item in items]})
    reference = order.order_id.upper()
    checkout_attrs = {"reference_id": reference, "status": order.status.value}
    checkout = Step("CHECKOUT", StreamEvent.CHECKOUT, checkout_attrs, reference_id=reference)
    payment = (
        ()
        if order.payment is None
        else (Step("PAYMENT", StreamEvent.PAYMENT, {"pay_type": order.payment.type}),)
    )
    guest = event.guest
    steps = (*identity_steps(guest, given), *adds, *contact_steps(guest, given), confirm, checkout, *payment)
    return (*steps, *close_steps(given))


def close_steps(given: Inputs) -> Steps:
    """FORCE_CLOSE when switched on; the order's session ends with it."""
    return (Step("FORCE_CLOSE", StreamEvent.FORCE_CLOSE),) if given.options.close_session_after_order else ()


def order_lines(order: Order, session_cart: Mapping[str, CartLine]) -> tuple[Steps, tuple[str, ...]]:
    """The ADDs still needed for ``order`` and the item id of every line, in line order."""
    adds: list[Step] = []
    items: list[str] = []
    for line in order.lines:
        held = session_cart.get(line.line_id)
        if held is not None and held.fingerprint == fields.fingerprint(line, order.currency):
            items.append(held.item_id)
            continue
        item = fields.item_id(order.order_id, line.line_id)
        adds.append(add_step(line, item, order.currency, order.ordered_at))
        items.append(item)
    return tuple(adds), tuple(items)


def single_event_order(event: OrderPlaced, given: Inputs) -> Steps:
    """IDENTITY then ORDER_CHECKOUT with the whole order (cdp-api.md §2.6 A'); the guest is identified."""
    forced = Inputs(MappingOptions(send_identity=True), given.session_cart)
    body = checkout_order(event.order)
    reference = str(body["referenceId"])
    order_step = Step("ORDER_CHECKOUT", StreamEvent.ORDER_CHECKOUT, {"order": body}, reference_id=reference)
    return (*identity_steps(event.guest, forced), order_step, *close_steps(given))


def checkout_order(order: Order) -> dict[str, object]:
    """The ``order`` object of ORDER_CHECKOUT (camelCase, like REST); the caller ensures a payment."""
    assert order.payment is not None  # order_placed routes orders without payment to the multi-event flow
    body: dict[str, object] = {
        "referenceId": order.order_id.upper(),
        "orderedAt": fields.cdp_time(order.ordered_at),
        "status": order.status.value,
        "currencyCode": order.currency.upper(),
        "price": order.total,
        "paymentType": order.payment.type,
        "orderItems": [order_item(order, line) for line in order.lines],
    }
    if order.payment.card_type:
        body["cardType"] = order.payment.card_type
    return body


def order_item(order: Order, line: OrderLine) -> dict[str, object]:
    return {
        "type": line.type.upper(),
        "referenceId": line.line_id,
        "orderedAt": fields.cdp_time(order.ordered_at),
        "status": order.status.value,
        "currencyCode": order.currency.upper(),
        "price": line.unit_price,
        "name": line.name,
        "productId": line.product_id,
        "quantity": line.quantity,
    }
