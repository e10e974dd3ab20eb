"""The commerce events the worker consumes, their validation and their plain-data forms.  [pure]

``event_from_dict`` validates a JSON object or an Avro datum into a frozen dataclass;
``event_to_dict`` is its inverse (JSON-able); ``field_value`` reads a dotted field as text.
"""

from worker.events.model import (
    EVENT_TYPES,
    CartCleared,
    CartItemAdded,
    CartItemRemoved,
    CartItemUpdated,
    Context,
    Event,
    Extensions,
    ExtensionValue,
    Guest,
    GuestIdentified,
    Identifier,
    ImportSource,
    Order,
    OrderCancelled,
    OrderChange,
    OrderDeleted,
    OrderImported,
    OrderLine,
    OrderPlaced,
    OrderRefunded,
    OrderStatus,
    OrderUpdated,
    Payment,
    Refund,
    RefundedLine,
)
from worker.events.parse import event_from_dict
from worker.events.render import event_to_dict, event_to_record, field_value

__all__ = [
    "EVENT_TYPES",
    "CartCleared",
    "CartItemAdded",
    "CartItemRemoved",
    "CartItemUpdated",
    "Context",
    "Event",
    "ExtensionValue",
    "Extensions",
    "Guest",
    "GuestIdentified",
    "Identifier",
    "ImportSource",
    "Order",
    "OrderCancelled",
    "OrderChange",
    "OrderDeleted",
    "OrderImported",
    "OrderLine",
    "OrderPlaced",
    "OrderRefunded",
    "OrderStatus",
    "OrderUpdated",
    "Payment",
    "Refund",
    "RefundedLine",
    "event_from_dict",
    "event_to_dict",
    "event_to_record",
    "field_value",
]
