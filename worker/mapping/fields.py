"""Event parts → Stream API attribute values (direct-HTTP spellings, cdp-api.md §2.3 to 2.5).  [pure]"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from worker.events import Context, Guest, OrderLine
from worker.plans import CartLine, StreamContext

#: Namespace of the item ids derived from (scope, line id): stable across runs and workers.
ITEM_NAMESPACE = uuid.UUID("8c5e3b1a-4f0d-5a7e-9b21-6d3c0e8f7a42")
#: Separates the parts hashed into an item id, so ("a:b", "c") and ("a", "b:c") differ.
_SEPARATOR = "\x1f"


def cdp_time(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z`` (``2026-11-27T14:03:10.000Z``)."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def item_id(scope: str, line_id: str) -> str:
    """The Stream ``item_id`` of line ``line_id`` of cart or order ``scope``: stable and unique."""
    return str(uuid.uuid5(ITEM_NAMESPACE, f"{scope}{_SEPARATOR}{line_id}"))


def stream_context(context: Context, default_pos: str, page: str) -> StreamContext:
    """The common attributes; the event's page wins over ``page``, its point of sale over ``default_pos``."""
    return StreamContext(
        channel=context.channel.upper(),
        pos=context.point_of_sale or default_pos,
        language=context.language.upper(),
        currency=context.currency.upper(),
        page=context.page or page,
    )


def product(line: OrderLine, item: str, currency: str, ordered_at: datetime) -> dict[str, object]:
    """The ``product`` object of an ADD: one line, unit price, exact decimals."""
    attrs: dict[str, object] = {
        "type": line.type.upper(),
        "item_id": item,
        "name": line.name,
        "orderedAt": cdp_time(ordered_at),
        "quantity": line.quantity,
        "price": line.unit_price,
        "productId": line.product_id,
        "currency": currency.upper(),
        "referenceId": line.line_id,
    }
    if line.original_unit_price is not None:
        attrs["originalPrice"] = line.original_unit_price
    if line.original_currency is not None:
        attrs["originalCurrencyCode"] = line.original_currency.upper()
    return attrs


def fingerprint(line: OrderLine, currency: str) -> str:
    """A digest of what an ADD says about a line (not when): equal digests need no second ADD."""
    parts = (
        line.product_id,
        line.name,
        line.type.upper(),
        str(line.quantity),
        str(line.unit_price),
        currency.upper(),
        str(line.original_unit_price),
        str(line.original_currency),
    )
    return hashlib.sha256(_SEPARATOR.join(parts).encode()).hexdigest()[:20]


def cart_line(line: OrderLine, item: str, currency: str) -> CartLine:
    return CartLine(line_id=line.line_id, item_id=item, fingerprint=fingerprint(line, currency))


def identifiers(guest: Guest) -> list[dict[str, object]]:
    """``identifiers`` of IDENTITY / ADD_CONTACTS: ``[{"provider": ..., "id": ...}]``."""
    return [{"provider": ident.provider, "id": ident.id} for ident in guest.identifiers]


def person(guest: Guest) -> dict[str, object]:
    """The PII attributes of IDENTITY and of an ADD_CONTACTS contact; absent fields are left out."""
    values = {
        "email": guest.email.lower() if guest.email else None,
        "firstname": guest.first_name,
        "lastname": guest.last_name,
        "phone": guest.phone,
    }
    return {key: value for key, value in values.items() if value}


def identified(guest: Guest) -> bool:
    """True when the guest carries identifiers that identity resolution can use."""
    return bool(guest.identifiers)
