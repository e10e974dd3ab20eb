"""The commerce events the worker consumes: one frozen dataclass per event type.

Values are already validated (see :mod:`worker.events.parse`): money is :class:`~decimal.Decimal`
with exactly two decimal places, times are timezone-aware UTC datetimes with millisecond precision,
currencies are ISO 4217 upper case, ids are non-empty. CDP-specific limits (ext key names, item type
deny-list, upper-casing) are the mapping layer's business, not the contract's.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

#: A value of an order or line extension (Avro union string/long/double/boolean).
ExtensionValue = str | int | float | bool
Extensions = Mapping[str, ExtensionValue]


class OrderStatus(enum.StrEnum):
    """Commerce order status; the symbols are exactly CDP's CHECKOUT / order status values."""

    PURCHASED = "PURCHASED"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


class OrderChange(enum.StrEnum):
    """What an :class:`OrderUpdated` changed."""

    STATUS = "STATUS"
    LINES = "LINES"
    PAYMENT = "PAYMENT"
    EXTENSIONS = "EXTENSIONS"
    TOTAL = "TOTAL"


class ImportSource(enum.StrEnum):
    """Where an :class:`OrderImported` order was taken."""

    STORE = "STORE"
    CALL_CENTER = "CALL_CENTER"
    HISTORICAL = "HISTORICAL"
    MARKETPLACE = "MARKETPLACE"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identity of the guest in an external system (CDP identity rule ``provider``)."""

    provider: str
    id: str


@dataclass(frozen=True, slots=True)
class Guest:
    """The shopper. An anonymous guest may carry only a ``browser_id``."""

    customer_id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    identifiers: tuple[Identifier, ...]
    browser_id: str | None
    anonymous: bool
    tracking_refused: bool
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Where the event happened: CDP channel, point of sale, language, currency and page."""

    channel: str
    point_of_sale: str
    language: str
    currency: str
    page: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """How the order is paid: ``type`` like ``Card`` / ``PayPal``; ``card_type`` like ``Visa``."""

    type: str
    card_type: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One cart or order line. ``unit_price`` is per unit; the line total is price * quantity."""

    line_id: str
    product_id: str
    sku: str | None
    name: str
    type: str
    quantity: int
    unit_price: Decimal
    original_unit_price: Decimal | None = None
    original_currency: str | None = None
    extensions: Extensions = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Order:
    """The full state of an order (shared by every order event)."""

    order_id: str
    ordered_at: datetime
    status: OrderStatus
    currency: str
    total: Decimal
    payment: Payment | None
    lines: tuple[OrderLine, ...]
    extensions: Extensions = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """A line (part) refunded: ``quantity`` units for ``amount`` in the order currency."""

    line_id: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Refund:
    """One refund of an order; ``full`` is true when the whole order is refunded."""

    refund_id: str
    refunded_at: datetime
    amount: Decimal
    full: bool
    lines: tuple[RefundedLine, ...]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every commerce event carries: its id and type, when it happened, who, and where."""

    event_id: str
    event_type: str
    occurred_at: datetime
    guest: Guest
    context: Context


@dataclass(frozen=True, slots=True)
class CartItemAdded(Envelope):
    """A line was added to the cart (CDP Stream ADD)."""

    cart_id: str
    line: OrderLine


@dataclass(frozen=True, slots=True)
class CartItemUpdated(Envelope):
    """A cart line's quantity or price changed; ``line`` is its new state (Stream ADD replaces it)."""

    cart_id: str
    line: OrderLine
    previous_quantity: int | None = None
    previous_unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CartItemRemoved(Envelope):
    """A line left the cart; ``remaining_lines`` is the cart after removal (CLEAR_CART + re-ADD)."""

    cart_id: str
    line_id: str
    remaining_lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True)
class CartCleared(Envelope):
    """The cart was emptied (Stream CLEAR_CART)."""

    cart_id: str


@dataclass(frozen=True, slots=True)
class GuestIdentified(Envelope):
    """The guest revealed who they are (login, sign-up, newsletter): Stream IDENTITY."""

    source: str | None = None


@dataclass(frozen=True, slots=True)
class OrderPlaced(Envelope):
    """A live checkout completed: Stream IDENTITY, ADD per line, ADD_CONTACTS, CONFIRM, CHECKOUT, PAYMENT."""

    order: Order


@dataclass(frozen=True, slots=True)
class OrderImported(Envelope):
    """An order taken offline, by the call centre or from history: Batch upsert."""

    order: Order
    source: ImportSource


@dataclass(frozen=True, slots=True)
class OrderUpdated(Envelope):
    """The order changed; ``order`` is its full new state, ``changes`` says what changed."""

    order: Order
    changes: tuple[OrderChange, ...]
    previous_status: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class OrderCancelled(Envelope):
    """The order was cancelled; ``order`` is its state after cancellation."""

    order: Order
    cancelled_at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRefunded(Envelope):
    """All or part of the order was refunded; ``order`` is its state after the refund."""

    order: Order
    refund: Refund


@dataclass(frozen=True, slots=True)
class OrderReference:
    """Names an order without its content."""

    order_id: str
    ordered_at: datetime


@dataclass(frozen=True, slots=True)
class OrderDeleted(Envelope):
    """The order must disappear (CDP delete matches ``order_id`` + ``ordered_at`` within 24 h)."""

    order_id: str
    ordered_at: datetime
    reason: str | None = None

    @property
    def order(self) -> OrderReference:
        """``order.order_id`` and ``order.ordered_at`` as on the other order events.

        So that an ordering key such as ``order.order_id`` puts a deletion in its order's lane.
        """
        return OrderReference(self.order_id, self.ordered_at)


Event = (
    CartItemAdded
    | CartItemUpdated
    | CartItemRemoved
    | CartCleared
    | GuestIdentified
    | OrderPlaced
    | OrderImported
    | OrderUpdated
    | OrderCancelled
    | OrderRefunded
    | OrderDeleted
)

#: Event type name (``event_type`` field, Avro record name) → dataclass.
EVENT_TYPES: Mapping[str, type[Event]] = {
    kind.__name__: kind
    for kind in (
        CartItemAdded,
        CartItemUpdated,
        CartItemRemoved,
        CartCleared,
        GuestIdentified,
        OrderPlaced,
        OrderImported,
        OrderUpdated,
        OrderCancelled,
        OrderRefunded,
        OrderDeleted,
    )
}
