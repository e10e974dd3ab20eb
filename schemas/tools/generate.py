"""Write the self-contained Avro schemas ``schemas/<EventType>.avsc`` (current, v2) and ``.v1.avsc``.

Each ``.avsc`` file is standalone (registrable as is in a schema registry), so the shared record
types (``Guest``, ``Context``, ``Order`` ...) are defined once here and inlined into every event
schema at their first use. Run after editing:

    .venv/bin/python schemas/tools/generate.py          # rewrite the files
    .venv/bin/python schemas/tools/generate.py --check  # exit 1 when a file is stale (used by tests)

Evolution rule: a new version may only add fields with a default (or new optional unions), so that
data written by the previous version stays readable. ``ADDED`` lists what each version added.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

NAMESPACE = "cdp.commerce"
SCHEMA_DIR = Path(__file__).resolve().parent.parent
#: version → {record name: [field names added in that version]}
ADDED: dict[int, dict[str, list[str]]] = {2: {"Guest": ["phone"]}}
CURRENT = 2

Json = dict[str, Any]


def field(name: str, kind: Any, doc: str, **extra: Any) -> Json:
    """One record field with its documentation."""
    return {"name": name, "type": kind, "doc": doc, **extra}


def optional(name: str, kind: Any, doc: str) -> Json:
    """A nullable field defaulting to null."""
    return field(name, ["null", kind], doc, default=None)


def record(name: str, doc: str, fields: list[Json]) -> Json:
    """A named record."""
    return {"type": "record", "name": name, "namespace": NAMESPACE, "doc": doc, "fields": fields}


def enum(name: str, doc: str, symbols: list[str]) -> Json:
    """A named enum."""
    return {"type": "enum", "name": name, "namespace": NAMESPACE, "doc": doc, "symbols": symbols}


MONEY = {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}
TIMESTAMP = {"type": "long", "logicalType": "timestamp-millis"}
UUID = {"type": "string", "logicalType": "uuid"}
EXTENSIONS = {"type": "map", "values": ["string", "long", "double", "boolean"]}
EXT_DOC = "Custom attributes (name -> string, long, double or boolean); CDP 'ext' data"

IDENTIFIER = record(
    "Identifier",
    "An identity of the guest in an external system",
    [
        field("provider", "string", "Identity system name; must equal a CDP identity rule provider"),
        field("id", "string", "The guest's id in that system (CRM id, e-mail, loyalty number)"),
    ],
)
GUEST = record(
    "Guest",
    "The shopper the event is about",
    [
        optional("customer_id", "string", "Commerce customer id; null for an anonymous guest"),
        optional("email", "string", "E-mail address"),
        optional("first_name", "string", "Given name"),
        optional("last_name", "string", "Family name"),
        field("identifiers", {"type": "array", "items": IDENTIFIER}, "External identities", default=[]),
        optional("browser_id", "string", "Storefront CDP browser id, when the shop tracks one"),
        field("anonymous", "boolean", "True when the guest has not identified", default=False),
        field("tracking_refused", "boolean", "True when the guest refused tracking consent", default=False),
        optional("phone", "string", "Phone number in E.164 or local form (added in v2)"),
    ],
)
CONTEXT = record(
    "Context",
    "Where the event happened",
    [
        field("channel", "string", "Sales channel: WEB, MOBILE_WEB, MOBILE_APP, CALL_CENTER, BRANCH ..."),
        field("point_of_sale", "string", "Storefront / point of sale name (must exist in CDP)"),
        field("language", "string", "ISO 639-1 language code, two letters"),
        field("currency", "string", "ISO 4217 currency code, three upper-case letters"),
        optional("page", "string", "Storefront page or screen, null for server-side events"),
    ],
)
PAYMENT = record(
    "Payment",
    "How the order is paid",
    [
        field("type", "string", "Payment type: Card, PayPal, Voucher, Cash, Other ..."),
        optional("card_type", "string", "Card scheme when type is Card: Visa, Mastercard ..."),
    ],
)
LINE = record(
    "OrderLine",
    "One cart or order line",
    [
        field("line_id", "string", "Line id, unique within the cart or order"),
        field("product_id", "string", "Product id used for reporting"),
        optional("sku", "string", "Stock keeping unit (variant)"),
        field("name", "string", "Product name as shown to the guest"),
        field("type", "string", "Product type (FOOTWEAR, APPAREL, SHIPPING ...)"),
        field("quantity", "int", "Units, greater than 0"),
        field("unit_price", MONEY, "Price of one unit, >= 0, in the context/order currency"),
        optional("original_unit_price", MONEY, "Unit price before conversion to the order currency"),
        optional("original_currency", "string", "ISO 4217 currency of original_unit_price"),
        field("extensions", EXTENSIONS, EXT_DOC, default={}),
    ],
)
STATUS = enum(
    "OrderStatus",
    "Order status (the CDP CHECKOUT status values)",
    ["PURCHASED", "PAYMENT_PENDING", "CONFIRMED", "CANCELLED", "REFUNDED"],
)
ORDER = record(
    "Order",
    "The full state of an order",
    [
        field("order_id", "string", "Commerce order id (CDP referenceId)"),
        field("ordered_at", TIMESTAMP, "When the order was placed (CDP orderedAt)"),
        field("status", STATUS, "Current status"),
        field("currency", "string", "ISO 4217 currency of every amount in the order"),
        field("total", MONEY, "Amount paid for the order, >= 0"),
        optional("payment", PAYMENT, "Payment, null when not yet known"),
        field("lines", {"type": "array", "items": LINE}, "Order lines, at least one"),
        field("extensions", EXTENSIONS, EXT_DOC, default={}),
    ],
)


def event(name: str, doc: str, fields: list[Json]) -> Json:
    """An event record: the common envelope followed by ``fields``."""
    envelope = [
        field("event_id", UUID, "Unique id of this event (UUID); redeliveries keep it"),
        field("event_type", "string", f"Always '{name}'"),
        field("occurred_at", TIMESTAMP, "When the event happened in the commerce system"),
        field("guest", GUEST, "The guest"),
        field("context", CONTEXT, "Channel, point of sale, language, currency, page"),
    ]
    return record(name, doc, envelope + fields)


CART_ID = field("cart_id", "string", "Cart id")
ORDER_FIELD = field("order", ORDER, "The order's state after this event")
REFUNDED_LINE = record(
    "RefundedLine",
    "A line (or part of it) refunded",
    [
        field("line_id", "string", "The order line refunded"),
        field("quantity", "int", "Units refunded, > 0 and at most the units ordered"),
        field("amount", MONEY, "Amount refunded for this line, >= 0"),
    ],
)
REFUND = record(
    "Refund",
    "One refund",
    [
        field("refund_id", "string", "Refund id"),
        field("refunded_at", TIMESTAMP, "When the money was returned"),
        field("amount", MONEY, "Amount refunded, >= 0, in the order currency"),
        field("full", "boolean", "True when the whole order is refunded"),
        field("lines", {"type": "array", "items": REFUNDED_LINE}, "Refunded lines (partial)", default=[]),
        optional("reason", "string", "Why"),
    ],
)
CHANGE = enum("OrderChange", "What an update changed", ["STATUS", "LINES", "PAYMENT", "EXTENSIONS", "TOTAL"])
SOURCE = enum(
    "ImportSource",
    "Where an imported order was taken",
    ["STORE", "CALL_CENTER", "HISTORICAL", "MARKETPLACE", "OTHER"],
)

EVENTS = [
    event("CartItemAdded", "A line was added to a cart", [CART_ID, field("line", LINE, "The line added")]),
    event(
        "CartItemUpdated",
        "A cart line's quantity or price changed",
        [
            CART_ID,
            field("line", LINE, "The line's new state"),
            optional("previous_quantity", "int", "Quantity before the change"),
            optional("previous_unit_price", MONEY, "Unit price before the change"),
        ],
    ),
    event(
        "CartItemRemoved",
        "A line was removed from a cart",
        [
            CART_ID,
            field("line_id", "string", "The line removed"),
            field("remaining_lines", {"type": "array", "items": LINE}, "The cart's lines after removal"),
        ],
    ),
    event("CartCleared", "A cart was emptied", [CART_ID]),
    event(
        "GuestIdentified",
        "The guest revealed who they are",
        [optional("source", "string", "What revealed it: login, sign-up, newsletter ...")],
    ),
    event("OrderPlaced", "A live checkout completed", [ORDER_FIELD]),
    event(
        "OrderImported",
        "An offline, call-centre or historical order",
        [ORDER_FIELD, field("source", SOURCE, "Where the order was taken")],
    ),
    event(
        "OrderUpdated",
        "An order changed (status, lines, payment or extensions)",
        [
            ORDER_FIELD,
            field("changes", {"type": "array", "items": CHANGE}, "What changed, at least one"),
            optional("previous_status", STATUS, "Status before the change"),
        ],
    ),
    event(
        "OrderCancelled",
        "An order was cancelled",
        [
            ORDER_FIELD,
            field("cancelled_at", TIMESTAMP, "When it was cancelled"),
            optional("reason", "string", "Why"),
        ],
    ),
    event(
        "OrderRefunded",
        "An order was refunded in full or in part",
        [ORDER_FIELD, field("refund", REFUND, "The refund")],
    ),
    event(
        "OrderDeleted",
        "An order must be deleted",
        [
            field("order_id", "string", "Commerce order id (CDP referenceId)"),
            field("ordered_at", TIMESTAMP, "When the order was placed (CDP matches within 24 h)"),
            optional("reason", "string", "Why"),
        ],
    ),
]


def as_version(schema: Json, version: int) -> Json:
    """``schema`` without the fields added after ``version``."""
    copied = copy.deepcopy(schema)
    later = [added for number, added in ADDED.items() if number > version]
    _drop_fields(copied, later)
    return copied


def _drop_fields(node: Any, later: list[dict[str, list[str]]]) -> None:
    if isinstance(node, list):
        for item in node:
            _drop_fields(item, later)
    elif isinstance(node, dict):
        if node.get("type") == "record":
            gone = {name for added in later for name in added.get(node["name"], [])}
            node["fields"] = [spec for spec in node["fields"] if spec["name"] not in gone]
        for value in node.values():
            _drop_fields(value, later)


def inline_once(node: Any, seen: set[str]) -> Any:
    """Replace every named type after its first definition by its full name (Avro requires it)."""
    if isinstance(node, list):
        return [inline_once(item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") in ("record", "enum"):
        full = f"{node['namespace']}.{node['name']}"
        if full in seen:
            return full
        seen.add(full)
    return {key: inline_once(value, seen) for key, value in node.items()}


def rendered() -> dict[Path, str]:
    """File path → content for every generated schema."""
    files = {}
    for schema in EVENTS:
        for version, suffix in ((CURRENT, ".avsc"), (CURRENT - 1, f".v{CURRENT - 1}.avsc")):
            text = json.dumps(inline_once(as_version(schema, version), set()), indent=2, ensure_ascii=False)
            files[SCHEMA_DIR / f"{schema['name']}{suffix}"] = text + "\n"
    return files


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` report stale ones and return 1."""
    stale = [path for path, text in rendered().items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"stale: {path} (run schemas/tools/generate.py)")
        return 1 if stale else 0
    for path, text in rendered().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
