"""Rows of the sandbox store: frozen dataclasses handed across module boundaries.

Money and quantities are ``Decimal`` (stored as text) so totals are exact. Timestamps are ISO 8601
UTC strings as CDP writes them. ``api`` values are ``"stream"``, ``"rest"`` or ``"batch"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Api = Literal["stream", "rest", "batch"]
OwnerKind = Literal["order", "order_item", "guest"]
JsonValue = str | int | float | bool | None | Decimal
FlatDict = Mapping[str, JsonValue]


@dataclass(frozen=True)
class Identifier:
    """An identity the guest is known by (``provider`` names an identity rule)."""

    provider: str
    id: str
    expiry_date: str | None = None


@dataclass(frozen=True)
class Guest:
    """A guest profile. ``guest_type`` is ``visitor`` until identified, then ``customer``."""

    guest_ref: str
    guest_type: str
    email: str | None
    first_name: str | None
    last_name: str | None
    pii: Mapping[str, object]
    created_by: str
    created_at: str
    modified_at: str
    #: Set when an anonymous profile was retired into an identified one (identity resolution).
    merged_into: str | None = None


@dataclass(frozen=True)
class GuestFields:
    """Writable guest fields, for :meth:`GuestRepo.create`."""

    guest_type: str = "visitor"
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    pii: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderFields:
    """Writable order fields: what a create or a full replace supplies."""

    reference_id: str
    ordered_at: str
    status: str
    currency_code: str
    price: Decimal
    payment_type: str | None = None
    card_type: str | None = None
    point_of_sale: str | None = None
    channel: str | None = None
    guest_ref: str | None = None


@dataclass(frozen=True)
class Order:
    """A stored order with its audit fields (``created_by``/``modified_by`` name the API)."""

    order_ref: str
    fields: OrderFields
    created_by: Api
    modified_by: Api
    created_at: str
    modified_at: str


@dataclass(frozen=True)
class StatusChange:
    """One entry of an order's status history: which API set which status, when."""

    status: str
    api: Api
    at: str


@dataclass(frozen=True)
class OrderChange:
    """One write to an order: ``create`` or ``update`` (with the names of the changed fields)."""

    api: Api
    at: str
    action: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ItemFields:
    """Writable order-item fields."""

    name: str
    type: str
    price: Decimal
    currency_code: str
    item_id: str | None = None
    reference_id: str | None = None
    product_id: str | None = None
    quantity: Decimal | None = None
    status: str | None = None
    original_price: Decimal | None = None
    original_currency_code: str | None = None
    description: str | None = None
    vendor: str | None = None
    ordered_at: str | None = None


@dataclass(frozen=True)
class OrderItem:
    """A stored order line."""

    item_ref: str
    order_ref: str
    fields: ItemFields
    created_by: Api
    modified_by: Api


@dataclass(frozen=True)
class Extension:
    """A data extension (always named ``ext`` for orders and items): one flat dict."""

    owner_kind: OwnerKind
    owner_ref: str
    name: str
    data: FlatDict


@dataclass(frozen=True)
class AcceptedEvent:
    """A Stream event accepted (201) for a known point of sale, in arrival order."""

    seq: int
    ref: str
    browser_id: str
    session_id: str
    type: str
    received_at: str
    message: Mapping[str, object]


@dataclass(frozen=True)
class Rejection:
    """An order sequence that created no order, with a stable machine-readable ``reason``."""

    seq: int
    reason: str
    detail: str
    browser_id: str | None
    session_id: str | None
    event_types: tuple[str, ...]
    reference_id: str | None
    api: Api
    at: str


@dataclass(frozen=True)
class DroppedEvent:
    """An event answered 201 but dropped (e.g. unknown point of sale), as CDP silently does."""

    seq: int
    reason: str
    browser_id: str | None
    pos: str | None
    type: str | None
    at: str
    message: Mapping[str, object]


@dataclass(frozen=True)
class BatchRecord:
    """A Batch API upload as the Batch module keeps it; ``data`` is that module's JSON document."""

    batch_ref: str
    data: Mapping[str, object]
    created_at: str
    modified_at: str
