"""REST v2.1 request bodies: field tables and the pure checks that turn a body into clean fields.

Each ``*_fields`` function returns the validated fields (read-only keys dropped) or raises
:class:`ApiError` 400 naming every problem (cdp-api.md §4.2-§4.6).
"""

from __future__ import annotations

from collections.abc import Mapping

from sandbox import rest_fields as f
from sandbox.rest_errors import api_error
from sandbox.rest_options import RestBatchOptions

ORDER_STATUSES = frozenset(
    {"BROWSED", "CANCELLED", "CONFIRMED", "DECLINED", "PARTIALY_CONFIRMED", "PARTIALY_REFUNDED"}
    | {"PAYMENT_PENDING", "PENDING", "PURCHASED", "REFUNDED", "RESERVED", "SEARCHED", "UNKNOWN"}
)
ITEM_STATUSES = frozenset(
    {"RESERVED", "PENDING", "DECLINED", "CONFIRMED", "CANCELLED", "REFUNDED", "PURCHASED", "UNKNOWN"}
)
READ_ONLY = frozenset({"ref", "href", "createdAt", "modifiedAt"})
ORDER_IDENTITY = ("referenceId", "orderedAt")

ORDER: f.Spec = {
    "referenceId": (f.is_string, True),
    "orderedAt": (f.is_utc_datetime, True),
    "currencyCode": (f.CURRENCY, True),
    "price": (f.is_number, True),
    "paymentType": (f.is_string, False),
    "cardType": (f.is_string, False),
    "pointOfSale": (f.is_string, False),
    "channel": (f.one_of(f.CHANNELS), False),
    "status": (f.one_of(ORDER_STATUSES), False),
}

_ITEM_BASE: f.Spec = {
    "currencyCode": (f.CURRENCY, True),
    "name": (f.string_at_most(128), True),
    "price": (f.is_number, True),
    "type": (f.is_free_type, True),
    "description": (f.is_string, False),
    "productId": (f.is_string, False),
    "originalPrice": (f.is_number, False),
    "originalCurrencyCode": (f.CURRENCY, False),
    "referenceId": (f.is_string, False),
    "vendor": (f.is_string, False),
    "language": (f.LANGUAGE, False),
    "quantity": (f.is_integer, False),
    "channel": (f.one_of(f.CHANNELS), False),
    "orderedAt": (f.is_utc_datetime, False),
}

_PERSON: f.Spec = {
    "title": (f.is_string, False),
    "firstName": (f.is_string, False),
    "lastName": (f.is_string, False),
    "gender": (f.one_of(f.GENDERS), False),
    "dateOfBirth": (f.is_past_date, False),
    "emails": (f.STRINGS, False),
    "phoneNumbers": (f.STRINGS, False),
    "nationality": (f.is_string, False),
    "passportNumber": (f.is_string, False),
    "passportExpiry": (f.is_string, False),
    "country": (f.is_string, False),
    "street": (f.STRINGS, False),
    "city": (f.is_string, False),
    "state": (f.is_string, False),
    "postCode": (f.is_string, False),
    "identifiers": (f.IDENTIFIERS, False),
}
CONTACT: f.Spec = {**_PERSON, "guest": (f.is_object({"href": (f.is_string, True)}), False)}
_ITEM_LINKS = f.is_object({"items": (f.list_of(f.is_object({"href": (f.is_string, True)})), True)})
CONSUMER: f.Spec = {
    **_PERSON,
    "firstName": (f.is_string, True),
    "lastName": (f.is_string, True),
    "orderItems": (_ITEM_LINKS, False),
}


def _require_object(body: object) -> Mapping[str, object]:
    if not isinstance(body, dict):
        raise api_error(400, "The request body must be a JSON object")
    return body


def _clean(body: object, spec: f.Spec, ignored: frozenset[str] = READ_ONLY) -> dict[str, object]:
    fields = _require_object(body)
    problems = f.check_fields(fields, spec, ignored)
    if problems:
        raise api_error(400, "; ".join(problems))
    return {name: value for name, value in fields.items() if name in spec and value is not None}


def order_fields(body: object) -> dict[str, object]:
    """Validated order fields for create, PUT and PATCH (all four key fields are required)."""
    return _clean(body, ORDER)


def item_fields(body: object, options: RestBatchOptions) -> dict[str, object]:
    """Validated order-item fields; ``status`` is the v2 enum unless the free-text switch is on."""
    status = f.one_of(ITEM_STATUSES) if options.rest_item_status_enum else f.is_string
    return _clean(body, {**_ITEM_BASE, "status": (status, True)}, READ_ONLY | {"order"})


def patch_item_fields(body: object, options: RestBatchOptions) -> dict[str, object]:
    """Validated partial order-item fields: the same checks, nothing required."""
    status = f.one_of(ITEM_STATUSES) if options.rest_item_status_enum else f.is_string
    spec = {name: (check, False) for name, (check, _) in {**_ITEM_BASE, "status": (status, True)}.items()}
    return _clean(body, spec, READ_ONLY | {"order"})


def contact_fields(body: object) -> dict[str, object]:
    """Validated contact fields; identity data (``emails`` or ``identifiers``) is required."""
    fields = _clean(body, CONTACT)
    if not fields.get("emails") and not fields.get("identifiers"):
        raise api_error(400, "A contact needs identity data: emails or identifiers")
    return fields


def consumer_fields(body: object) -> dict[str, object]:
    """Validated consumer fields (first and last name required)."""
    return _clean(body, CONSUMER)


def extension_fields(name: str, body: object, max_keys: int) -> dict[str, object]:
    """A validated flat extension body; ``name`` must be ``ext``; v2-style name/key echoes dropped."""
    if name != "ext":
        raise api_error(400, f"Data extension name must be 'ext', not {name!r}")
    fields = dict(_require_object(body))
    structural = {"name": "ext", "key": "default"}
    for key, expected in structural.items():
        if key in fields and fields.pop(key) != expected:
            raise api_error(400, f"{key}: reserved attribute name")
    problems = f.extension_problems(fields, max_keys)
    if problems:
        raise api_error(400, "; ".join(problems))
    return fields
