"""Event → Plan: the dispatch table of mappers and the one entry point, :func:`plan_for`.  [pure]"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from worker.errors import PermanentError
from worker.events import (
    CartCleared,
    CartItemAdded,
    CartItemRemoved,
    CartItemUpdated,
    Event,
    GuestIdentified,
    OrderPlaced,
)
from worker.mapping import fields, stream
from worker.mapping.stream import Inputs, MappingOptions, Steps
from worker.plans import CartLine, Plan


class NoRouteError(PermanentError):
    """No CDP route is built for this event type yet: it is dead-lettered, to be replayed later."""

    reason = "no_route"
    stage = "plan"


#: Event type → (mapper, default page). Mappers take the event of their own type.
STREAM_MAPPERS: Mapping[type[Any], tuple[Callable[[Any, Inputs], Steps], str]] = {
    CartItemAdded: (stream.cart_item_added, "cart"),
    CartItemUpdated: (stream.cart_item_updated, "cart"),
    CartItemRemoved: (stream.cart_item_removed, "cart"),
    CartCleared: (stream.cart_cleared, "cart"),
    GuestIdentified: (stream.guest_identified, "account"),
    OrderPlaced: (stream.order_placed, "checkout"),
}


def plan_for(
    event: Event, options: MappingOptions, session_cart: Mapping[str, CartLine] | None = None
) -> Plan:
    """The Stream plan of ``event``; ``session_cart`` holds the lines the browser's open session has.

    Raises :class:`NoRouteError` for event types that have no Stream mapping (corrections).
    """
    entry = STREAM_MAPPERS.get(type(event))
    if entry is None:
        raise NoRouteError(f"no Stream mapping for {event.event_type}")
    mapper, page = entry
    steps = mapper(event, Inputs(options, session_cart or {}))
    return Plan(
        plan_id=event.event_id,
        event_type=event.event_type,
        context=fields.stream_context(event.context, options.default_pos, page),
        steps=steps,
        browser_hint=event.guest.browser_id,
    )
