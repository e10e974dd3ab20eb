"""Plans and steps: the vocabulary of what must be sent to CDP for one event.  [pure]

A :class:`Plan` is the ordered list of :class:`Step` s made from one event; each step is one CDP call.
For the Stream API a step is one event (``type`` plus its own attributes); the common attributes
(channel, pos, language, currency, page, browser_id) come from the plan's :class:`StreamContext`
and the browser chosen when the plan runs, so a plan can be restarted on a new browser unchanged.

Steps also say what they do to the browser session's cart (:class:`CartLine` added, cart cleared),
which lets the runtime remember which lines a session already holds, and whether repeating them is
harmless (``replayable``): an ADD with the same ``item_id`` replaces its line, a second CHECKOUT
might create a second order.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Api(enum.StrEnum):
    """The CDP API a step is sent to."""

    STREAM = "stream"
    REST = "rest"
    BATCH = "batch"


class StreamEvent(enum.StrEnum):
    """Stream API event types the worker sends (cdp-api.md §2.5)."""

    IDENTITY = "IDENTITY"
    ADD = "ADD"
    ADD_CONTACTS = "ADD_CONTACTS"
    CONFIRM = "CONFIRM"
    CHECKOUT = "CHECKOUT"
    PAYMENT = "PAYMENT"
    CLEAR_CART = "CLEAR_CART"
    ORDER_CHECKOUT = "ORDER_CHECKOUT"
    FORCE_CLOSE = "FORCE_CLOSE"


#: Events whose repetition could create a second order or payment; progress is saved before them.
NOT_REPLAYABLE = frozenset({StreamEvent.CHECKOUT, StreamEvent.ORDER_CHECKOUT, StreamEvent.PAYMENT})
#: Events that close the session's cart (an order consumed it, or it was emptied).
CART_CLOSING = frozenset(
    {StreamEvent.CLEAR_CART, StreamEvent.CHECKOUT, StreamEvent.ORDER_CHECKOUT, StreamEvent.FORCE_CLOSE}
)
#: Events that create the order: once one was accepted, the order exists.
ORDER_CREATING = frozenset({StreamEvent.CHECKOUT, StreamEvent.ORDER_CHECKOUT})
#: Events after which the browser's next event opens a new session.
SESSION_CLOSING = frozenset({StreamEvent.FORCE_CLOSE})


@dataclass(frozen=True, slots=True)
class CartLine:
    """A line a session's cart holds: its ``item_id`` and a fingerprint of what was sent for it."""

    line_id: str
    item_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class StreamContext:
    """The common attributes of every Stream event of a plan (direct-HTTP names, upper-cased)."""

    channel: str
    pos: str
    language: str
    currency: str
    page: str


@dataclass(frozen=True, slots=True)
class Step:
    """One CDP call. ``name`` is unique within its plan (``ADD:<item_id>``, ``CHECKOUT``)."""

    name: str
    event: StreamEvent
    attributes: Mapping[str, object] = field(default_factory=dict)
    api: Api = Api.STREAM
    #: The line this step puts in the session cart (ADD only).
    line: CartLine | None = None
    #: The order this step creates (CHECKOUT, ORDER_CHECKOUT): CDP can be asked whether it exists.
    reference_id: str | None = None

    @property
    def replayable(self) -> bool:
        """True when sending this step twice in one session has the effect of sending it once."""
        return self.event not in NOT_REPLAYABLE

    @property
    def creates_order(self) -> bool:
        return self.event in ORDER_CREATING

    @property
    def closes_session(self) -> bool:
        return self.event in SESSION_CLOSING

    @property
    def closes_cart(self) -> bool:
        """True when, after this step, the session cart holds no line the next order could reuse."""
        return self.event in CART_CLOSING


@dataclass(frozen=True, slots=True)
class Plan:
    """What to send for one event, in order.

    ``plan_id`` is the event id; ``browser_hint`` the storefront's browser id from the event, if any.
    An empty ``steps`` means the event needs no CDP call.
    """

    plan_id: str
    event_type: str
    context: StreamContext
    steps: tuple[Step, ...]
    browser_hint: str | None = None

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)
