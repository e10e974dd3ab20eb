"""The JSON the web page polls: guests with their orders, lines, extensions and status history."""

from __future__ import annotations

from sandbox.app import AppContext
from sandbox.rows import Guest, Order, OrderItem

#: Most guests the page lists (newest first); the sandbox is for local runs, not millions of profiles.
MAX_GUESTS = 300
#: Most Batch uploads the page lists (newest first).
MAX_BATCHES = 10
#: Most orders without a guest the page lists (newest first).
MAX_UNLINKED = 200


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


def _count(ctx: AppContext, table: str) -> int:
    (count,) = ctx.store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608  (constant names)
    return int(count)


def _unlinked(ctx: AppContext) -> list[dict[str, object]]:
    rows = ctx.store.conn.execute(
        "SELECT order_ref FROM orders WHERE guest_ref IS NULL ORDER BY rowid DESC LIMIT ?", (MAX_UNLINKED,)
    )
    orders = [ctx.store.orders.get(str(row[0])) for row in rows.fetchall()]
    return [order_json(ctx, order) for order in orders if order is not None]


def _batches(ctx: AppContext) -> list[dict[str, object]]:
    """The newest Batch uploads as the CDP UI lists them (Developer center → Batch uploads)."""
    records = ctx.store.journal.batches()[-MAX_BATCHES:]
    shown = []
    for record in reversed(records):
        data, stats = record.data, record.data.get("stats")
        token = data.get("token") if data.get("has_log") else None
        shown.append({"ref": record.batch_ref, "status": data.get("status"), "createdAt": record.created_at,
                      "stats": stats, "log": f"/_batchlog/{token}" if token else None})  # fmt: skip
    return shown


def page_state(ctx: AppContext) -> dict[str, object]:
    """The newest guests (with orders) and the newest orders without a guest, plus totals."""
    guest_count = _count(ctx, "guests")
    newest = ctx.store.guests.all(offset=max(0, guest_count - MAX_GUESTS), limit=MAX_GUESTS)
    shown = [_guest_json(ctx, g) for g in reversed(newest) if g.merged_into is None]
    return {
        "generatedAt": ctx.now_iso(),
        "counts": {"guests": guest_count, "orders": _count(ctx, "orders")},
        "guests": shown,
        "unlinked": _unlinked(ctx),
        "batches": _batches(ctx),
    }
