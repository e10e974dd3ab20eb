"""Mapping → validated event. One small parser per type, dispatched by ``event_type``.

The contract enforced here is the one documented in ``schemas/README.md``; CDP-specific limits
(ext key names and count, item type deny-list, upper-casing) are left to the mapping layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from worker.errors import UnknownSchemaError, ValidationError
from worker.events import model as m
from worker.events.fields import Fields, describe, to_choice

Parser = Callable[[Fields, dict[str, Any]], m.Event]


def event_from_dict(data: Mapping[str, object]) -> m.Event:
    """Validate ``data`` (JSON form or Avro datum) and build its event.

    Raises :class:`UnknownSchemaError` (path ``event_type``) for an unknown type and
    :class:`ValidationError` whose path names the offending field for anything else.
    """
    root = Fields(data)
    kind = root.text("event_type")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise UnknownSchemaError(f"unknown event type {describe(kind)}", "event_type")
    return parser(root, _envelope(root, kind))


def _envelope(root: Fields, kind: str) -> dict[str, Any]:
    return {
        "event_id": root.event_id("event_id"),
        "event_type": kind,
        "occurred_at": root.time("occurred_at"),
        "guest": _guest(root.sub("guest")),
        "context": _context(root.sub("context")),
    }


def _guest(node: Fields) -> m.Guest:
    guest = m.Guest(
        customer_id=node.opt_text("customer_id"),
        email=node.email("email"),
        first_name=node.opt_text("first_name"),
        last_name=node.opt_text("last_name"),
        identifiers=tuple(_identifier(item) for item in node.items("identifiers", required=False)),
        browser_id=node.opt_text("browser_id"),
        anonymous=node.flag("anonymous"),
        tracking_refused=node.flag("tracking_refused"),
        phone=node.opt_text("phone"),
    )
    if not guest.anonymous and not (guest.customer_id or guest.email or guest.identifiers):
        raise ValidationError("a known guest needs a customer_id, an email or an identifier", node.path)
    return guest


def _identifier(node: Fields) -> m.Identifier:
    return m.Identifier(provider=node.text("provider"), id=node.text("id"))


def _context(node: Fields) -> m.Context:
    return m.Context(
        channel=node.text("channel"),
        point_of_sale=node.text("point_of_sale"),
        language=node.language("language"),
        currency=node.currency("currency"),
        page=node.opt_text("page"),
    )


def _line(node: Fields) -> m.OrderLine:
    return m.OrderLine(
        line_id=node.text("line_id"),
        product_id=node.text("product_id"),
        sku=node.opt_text("sku"),
        name=node.text("name"),
        type=node.text("type"),
        quantity=node.count("quantity"),
        unit_price=node.money("unit_price"),
        original_unit_price=node.opt_money("original_unit_price"),
        original_currency=node.opt_currency("original_currency"),
        extensions=node.extensions("extensions"),
    )


def _lines(node: Fields, key: str, required: bool = True) -> tuple[m.OrderLine, ...]:
    lines = tuple(_line(item) for item in node.items(key, required))
    _unique((line.line_id for line in lines), node.at(key), "line_id")
    return lines


def _unique(values: Iterable[object], path: str, name: str) -> None:
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValidationError(f"duplicate {describe(value)}", f"{path}[{index}].{name}".rstrip("."))
        seen.add(value)


def _payment(node: Fields | None) -> m.Payment | None:
    if node is None:
        return None
    return m.Payment(type=node.text("type"), card_type=node.opt_text("card_type"))


def _order(node: Fields) -> m.Order:
    lines = _lines(node, "lines")
    if not lines:
        raise ValidationError("an order needs at least one line", node.at("lines"))
    return m.Order(
        order_id=node.text("order_id"),
        ordered_at=node.time("ordered_at"),
        status=node.choice("status", m.OrderStatus),
        currency=node.currency("currency"),
        total=node.money("total"),
        payment=_payment(node.opt_sub("payment")),
        lines=lines,
        extensions=node.extensions("extensions"),
    )


def _refund(node: Fields, order: m.Order) -> m.Refund:
    quantities = {line.line_id: line.quantity for line in order.lines}
    lines = tuple(_refunded_line(item, quantities) for item in node.items("lines", required=False))
    _unique((line.line_id for line in lines), node.at("lines"), "line_id")
    return m.Refund(
        refund_id=node.text("refund_id"),
        refunded_at=node.time("refunded_at"),
        amount=node.money("amount"),
        full=node.flag("full"),
        lines=lines,
        reason=node.opt_text("reason"),
    )


def _refunded_line(node: Fields, quantities: Mapping[str, int]) -> m.RefundedLine:
    line = m.RefundedLine(node.text("line_id"), node.count("quantity"), node.money("amount"))
    if line.line_id not in quantities:
        raise ValidationError(f"no order line {describe(line.line_id)}", node.at("line_id"))
    if line.quantity > quantities[line.line_id]:
        ordered = quantities[line.line_id]
        raise ValidationError(f"refunds {line.quantity} of {ordered} ordered units", node.at("quantity"))
    return line


def _cart_item_added(root: Fields, env: dict[str, Any]) -> m.Event:
    return m.CartItemAdded(**env, cart_id=root.text("cart_id"), line=_line(root.sub("line")))


def _cart_item_updated(root: Fields, env: dict[str, Any]) -> m.Event:
    return m.CartItemUpdated(
        **env,
        cart_id=root.text("cart_id"),
        line=_line(root.sub("line")),
        previous_quantity=root.opt_count("previous_quantity"),
        previous_unit_price=root.opt_money("previous_unit_price"),
    )


def _cart_item_removed(root: Fields, env: dict[str, Any]) -> m.Event:
    line_id = root.text("line_id")
    remaining = _lines(root, "remaining_lines", required=False)
    if any(line.line_id == line_id for line in remaining):
        raise ValidationError(f"removed line {describe(line_id)} is still listed", root.at("remaining_lines"))
    return m.CartItemRemoved(**env, cart_id=root.text("cart_id"), line_id=line_id, remaining_lines=remaining)


def _cart_cleared(root: Fields, env: dict[str, Any]) -> m.Event:
    return m.CartCleared(**env, cart_id=root.text("cart_id"))


def _guest_identified(root: Fields, env: dict[str, Any]) -> m.Event:
    if env["guest"].anonymous:
        raise ValidationError("an identified guest cannot be anonymous", root.at("guest.anonymous"))
    return m.GuestIdentified(**env, source=root.opt_text("source"))


def _order_placed(root: Fields, env: dict[str, Any]) -> m.Event:
    return m.OrderPlaced(**env, order=_order(root.sub("order")))


def _order_imported(root: Fields, env: dict[str, Any]) -> m.Event:
    order = _order(root.sub("order"))
    return m.OrderImported(**env, order=order, source=root.choice("source", m.ImportSource))


def _order_updated(root: Fields, env: dict[str, Any]) -> m.Event:
    changes = tuple(to_choice(value, m.OrderChange, path) for path, value in root.elements("changes"))
    if not changes:
        raise ValidationError("an update names at least one change", root.at("changes"))
    _unique(changes, root.at("changes"), "")
    return m.OrderUpdated(
        **env,
        order=_order(root.sub("order")),
        changes=changes,
        previous_status=root.opt_choice("previous_status", m.OrderStatus),
    )


def _order_cancelled(root: Fields, env: dict[str, Any]) -> m.Event:
    return m.OrderCancelled(
        **env,
        order=_order(root.sub("order")),
        cancelled_at=root.time("cancelled_at"),
        reason=root.opt_text("reason"),
    )


def _order_refunded(root: Fields, env: dict[str, Any]) -> m.Event:
    order = _order(root.sub("order"))
    return m.OrderRefunded(**env, order=order, refund=_refund(root.sub("refund"), order))


def _order_deleted(root: Fields, env: dict[str, Any]) -> m.Event:
    return m.OrderDeleted(
        **env,
        order_id=root.text("order_id"),
        ordered_at=root.time("ordered_at"),
        reason=root.opt_text("reason"),
    )


_PARSERS: Mapping[str, Parser] = {
    "CartItemAdded": _cart_item_added,
    "CartItemUpdated": _cart_item_updated,
    "CartItemRemoved": _cart_item_removed,
    "CartCleared": _cart_cleared,
    "GuestIdentified": _guest_identified,
    "OrderPlaced": _order_placed,
    "OrderImported": _order_imported,
    "OrderUpdated": _order_updated,
    "OrderCancelled": _order_cancelled,
    "OrderRefunded": _order_refunded,
    "OrderDeleted": _order_deleted,
}
