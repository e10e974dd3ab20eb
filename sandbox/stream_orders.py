"""What each accepted Stream event does to sessions, guests and orders (one handler per type)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sandbox.app import AppContext
from sandbox.identity import identify, is_identified
from sandbox.repo_journal import rejection
from sandbox.rows import ItemFields, Order, OrderFields
from sandbox.sessions import REASONS, OrderDraft, Session, Violation
from sandbox.stream_messages import StreamEvent
from sandbox.stream_payloads import AddProduct, Checkout, Confirm, Contacts, OrderCheckout, Payment, Person


@dataclass(frozen=True)
class EventCall:
    """One accepted event in its session, at sandbox time ``now`` (ISO)."""

    event: StreamEvent
    session: Session
    now: str


def _reject(ctx: AppContext, call: EventCall, violation: Violation, reference_id: str | None) -> None:
    ctx.store.journal.add_rejection(
        rejection(violation.reason, violation.detail, "stream", call.now, browser_id=call.event.browser_id,
                  session_id=call.session.session_id, event_types=tuple(call.session.event_types),
                  reference_id=reference_id)
    )  # fmt: skip
    ctx.store.commit()


def _duplicate(ctx: AppContext, reference_id: str) -> Violation | None:
    existing = ctx.store.orders.find_by_reference(reference_id)
    if not existing:
        return None
    return Violation(
        "duplicate_reference", f"{REASONS['duplicate_reference']}: order {existing[0].order_ref}"
    )


def _line_item(line: AddProduct, status: str) -> ItemFields:
    return ItemFields(
        name=line.name,
        type=line.type,
        price=line.price,
        currency_code=line.currency,
        item_id=line.item_id,
        reference_id=line.reference_id,
        product_id=line.product_id,
        quantity=line.quantity,
        status=status,
        original_price=line.original_price,
        original_currency_code=line.original_currency,
        ordered_at=line.ordered_at,
    )


def _create_from_draft(ctx: AppContext, call: EventCall, draft: OrderDraft, guest_ref: str | None) -> Order:
    event, first = call.event, draft.lines[0]
    total = sum((line.price * line.quantity for line in draft.lines), Decimal(0))
    fields = OrderFields(
        reference_id=draft.reference_id,
        ordered_at=first.ordered_at,
        status=draft.status,
        currency_code=event.currency or first.currency,
        price=total,
        point_of_sale=event.pos,
        channel=event.channel,
        guest_ref=guest_ref,
    )
    order = ctx.store.orders.create(fields, "stream", call.now)
    for line in draft.lines:
        ctx.store.items.create(order.order_ref, _line_item(line, draft.status), "stream")
    ctx.store.commit()
    return order


def on_add(ctx: AppContext, call: EventCall) -> None:
    """ADD: put the line in the session's cart."""
    assert isinstance(call.event.payload, AddProduct)  # parsed by type
    ctx.sessions.add(call.session, call.event.payload)


def on_confirm(ctx: AppContext, call: EventCall) -> None:
    """CONFIRM: snapshot the basket."""
    assert isinstance(call.event.payload, Confirm)  # parsed by type
    ctx.sessions.confirm(call.session, call.event.payload.item_ids)


def on_checkout(ctx: AppContext, call: EventCall) -> None:
    """CHECKOUT: create the order from the confirmed lines, or record why not (a used reference first)."""
    payload = call.event.payload
    assert isinstance(payload, Checkout)  # parsed by type
    guest_ref, identified = is_identified(ctx.store, call.event.browser_id)
    outcome = _duplicate(ctx, payload.reference_id) or ctx.sessions.checkout(
        call.session, payload.reference_id, payload.status, identified
    )
    if isinstance(outcome, Violation):
        _reject(ctx, call, outcome, payload.reference_id)
        return
    order = _create_from_draft(ctx, call, outcome, guest_ref)
    ctx.sessions.checked_out(call.session, order.order_ref)


def on_payment(ctx: AppContext, call: EventCall) -> None:
    """PAYMENT: record the payment type on the order this session created."""
    assert isinstance(call.event.payload, Payment)  # parsed by type
    order_ref = call.session.order_ref
    if order_ref is None or ctx.store.orders.get(order_ref) is None:
        _reject(ctx, call, Violation("payment_without_order", REASONS["payment_without_order"]), None)
        return
    ctx.store.orders.update(order_ref, {"payment_type": call.event.payload.pay_type}, "stream", call.now)


def on_clear_cart(ctx: AppContext, call: EventCall) -> None:
    """CLEAR_CART: forget the session's lines and confirmation."""
    ctx.sessions.clear_cart(call.session)


def on_force_close(ctx: AppContext, call: EventCall) -> None:
    """FORCE_CLOSE: end the session now (unless switched off)."""
    if ctx.config.strict.force_close_enabled:
        ctx.sessions.force_close(call.session)


def on_identity(ctx: AppContext, call: EventCall) -> None:
    """IDENTITY: resolve identity from the identifiers (PII is supplementary)."""
    assert isinstance(call.event.payload, Person)  # parsed by type
    identify(
        ctx.store, ctx.config, call.event.browser_id, call.event.payload, call.now, email_is_identifier=False
    )


def on_contacts(ctx: AppContext, call: EventCall) -> None:
    """ADD_CONTACTS: each contact identifies the order owner by identifiers or (email rule) email."""
    assert isinstance(call.event.payload, Contacts)  # parsed by type
    for person in call.event.payload.people:
        identify(ctx.store, ctx.config, call.event.browser_id, person, call.now, email_is_identifier=True)


def on_order_checkout(ctx: AppContext, call: EventCall) -> None:
    """ORDER_CHECKOUT: the whole order in one event, for an already identified guest."""
    payload = call.event.payload
    assert isinstance(payload, OrderCheckout)  # parsed by type
    guest_ref, identified = is_identified(ctx.store, call.event.browser_id)
    problem = None if identified else Violation("guest_not_identified", REASONS["guest_not_identified"])
    problem = problem or _duplicate(ctx, payload.reference_id)
    if problem is not None:
        _reject(ctx, call, problem, payload.reference_id)
        return
    _create_whole(ctx, call, payload, guest_ref)


def _create_whole(ctx: AppContext, call: EventCall, payload: OrderCheckout, guest_ref: str | None) -> None:
    fields = OrderFields(
        reference_id=payload.reference_id,
        ordered_at=payload.ordered_at,
        status=payload.status,
        currency_code=payload.currency_code,
        price=payload.price,
        payment_type=payload.payment_type,
        card_type=payload.card_type,
        point_of_sale=call.event.pos,
        channel=call.event.channel,
        guest_ref=guest_ref,
    )
    order = ctx.store.orders.create(fields, "stream", call.now)
    if payload.ext is not None:
        ctx.store.extensions.put("order", order.order_ref, payload.ext)
    for item_fields, item_ext in payload.items:
        item = ctx.store.items.create(order.order_ref, item_fields, "stream")
        if item_ext is not None:
            ctx.store.extensions.put("order_item", item.item_ref, item_ext)
    ctx.store.commit()


HANDLERS: dict[str, Callable[[AppContext, EventCall], None]] = {
    "ADD": on_add,
    "CONFIRM": on_confirm,
    "CHECKOUT": on_checkout,
    "PAYMENT": on_payment,
    "CLEAR_CART": on_clear_cart,
    "FORCE_CLOSE": on_force_close,
    "IDENTITY": on_identity,
    "ADD_CONTACTS": on_contacts,
    "ORDER_CHECKOUT": on_order_checkout,
}
