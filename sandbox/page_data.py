"""The JSON the web page polls: guests with their orders, lines, extensions and status history."""

from __future__ import annotations

from sandbox.app import AppContext
from sandbox.rows import Guest, Order, OrderItem

#: Most guests the page lists (newest first); the sandbox is for local runs, not millions of profiles.
MAX_GUESTS = 300


def _line(ctx: AppContext, item: OrderItem) -> dict[str, object]:
    ext = ctx.store.extensions.get("order_item", item.item_ref)
    f = item.fields
    return {
        "ref": item.item_ref,
        "name": f.name,
        "type": f.type,
        "productId": f.product_id,
        "quantity": f.quantity,
        "price": f.price,
        "currency": f.currency_code,
        "status": f.status,
        "createdBy": item.created_by,
        "modifiedBy": item.modified_by,
        "ext": dict(ext.data) if ext else {},
    }


def order_json(ctx: AppContext, order: Order) -> dict[str, object]:
    """One order as the page shows it."""
    store, f = ctx.store, order.fields
    ext = store.extensions.get("order", order.order_ref)
    history = [{"status": h.status, "api": h.api, "at": h.at} for h in store.orders.history(order.order_ref)]
    return {
        "ref": order.order_ref,
        "referenceId": f.reference_id,
        "orderedAt": f.ordered_at,
        "status": f.status,
        "price": f.price,
        "currency": f.currency_code,
        "channel": f.channel,
        "pointOfSale": f.point_of_sale,
        "paymentType": f.payment_type,
        "createdBy": order.created_by,
        "modifiedBy": order.modified_by,
        "createdAt": order.created_at,
        "modifiedAt": order.modified_at,
        "ext": dict(ext.data) if ext else {},
        "history": history,
        "lines": [_line(ctx, item) for item in store.items.for_order(order.order_ref)],
    }


def _guest_json(ctx: AppContext, guest: Guest) -> dict[str, object]:
    identifiers = ctx.store.guests.identifiers(guest.guest_ref)
    name = " ".join(n for n in (guest.first_name, guest.last_name) if n)
    return {
        "ref": guest.guest_ref,
        "type": guest.guest_type,
        "name": name,
        "email": guest.email,
        "createdBy": guest.created_by,
        "createdAt": guest.created_at,
        "identifiers": [{"provider": i.provider, "id": i.id} for i in identifiers],
        "orders": [order_json(ctx, o) for o in ctx.store.orders.for_guest(guest.guest_ref)],
    }


def page_state(ctx: AppContext) -> dict[str, object]:
    """Everything the page renders, newest guests first; orders without a guest listed apart."""
    guests = [g for g in ctx.store.guests.all(limit=100_000) if g.merged_into is None]
    shown = [_guest_json(ctx, g) for g in reversed(guests[-MAX_GUESTS:])]
    conn = ctx.store.conn
    refs = [
        str(r[0]) for r in conn.execute("SELECT order_ref FROM orders WHERE guest_ref IS NULL ORDER BY rowid")
    ]
    unlinked = [order_json(ctx, o) for o in map(ctx.store.orders.get, refs) if o is not None]
    (order_count,) = conn.execute("SELECT COUNT(*) FROM orders").fetchone()
    return {
        "generatedAt": ctx.now_iso(),
        "counts": {"guests": len(guests), "orders": int(order_count)},
        "guests": shown,
        "unlinked": unlinked,
    }
