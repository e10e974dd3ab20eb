"""Batch record values: the field tables per schema and mode, and their pure checks.

:func:`value_problems` returns the reasons a record's ``value`` is invalid (cdp-api.md §3.6-§3.10);
an empty list means the record may be applied to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sandbox import rest_fields as f
from sandbox.batch_file import Record
from sandbox.rest_options import RestBatchOptions

BATCH_ORDER_STATUSES = frozenset({"PURCHASED", "PAYMENT_PENDING", "CONFIRMED", "CANCELLED", "REFUNDED"})

CONTACT: f.Spec = {
    "title": (f.is_string, False),
    "firstName": (f.is_string, False),
    "lastName": (f.is_string, False),
    "gender": (f.one_of(f.GENDERS), False),
    "dateOfBirth": (f.is_past_date, False),
    "email": (f.is_string, False),
    "phoneNumbers": (f.STRINGS, False),
    "identifiers": (f.IDENTIFIERS, False),
    "nationality": (f.is_string, False),
    "street": (f.STRINGS, False),
    "city": (f.is_string, False),
    "state": (f.is_string, False),
    "country": (f.is_string, False),
    "postCode": (f.is_string, False),
}
GUEST: f.Spec = {
    **CONTACT,
    "guestType": (f.one_of(frozenset({"customer"})), True),
    "firstSeen": (f.is_utc_datetime, False),
    "lastSeen": (f.is_utc_datetime, False),
    "extensions": (f.any_value, False),
}
GUEST_DELETE: f.Spec = {"email": (f.is_string, False), "identifiers": (f.IDENTIFIERS, False)}
ITEM: f.Spec = {
    "type": (f.is_uppercase_type, True),
    "productId": (f.is_string, True),
    "name": (f.string_at_most(128), True),
    "description": (f.is_string, True),
    "vendor": (f.is_string, True),
    "price": (f.is_number, True),
    "currencyCode": (f.CURRENCY, True),
    "orderedAt": (f.is_utc_datetime, False),
    "quantity": (f.is_number, False),
    "originalPrice": (f.is_number, False),
    "originalCurrencyCode": (f.CURRENCY, False),
    "referenceId": (f.is_string, False),
    "status": (f.is_uppercase_type, False),
    "extensions": (f.any_value, False),
}
_ORDER_INSERT: f.Spec = {
    "referenceId": (f.is_string, True),
    "channel": (f.one_of(f.CHANNELS), True),
    "pointOfSale": (f.is_string, True),
    "status": (f.one_of(BATCH_ORDER_STATUSES), True),
    "orderedAt": (f.is_utc_datetime, True),
    "currencyCode": (f.CURRENCY, True),
    "price": (f.is_number, True),
    "paymentType": (f.is_string, True),
    "cardType": (f.one_of(f.CARD_TYPES), False),
    "contact": (f.is_object(CONTACT), True),
    "orderItems": (f.list_of(f.is_object(ITEM)), True),
    "extensions": (f.any_value, False),
    "consumers": (f.list_of(f.is_dict), False),
}
_UPSERT_REQUIRED = frozenset({"referenceId", "channel", "pointOfSale", "orderedAt", "contact", "orderItems"})
ORDER_DELETE: f.Spec = {
    "referenceId": (f.is_string, True),
    "orderedAt": (f.is_utc_datetime, False),
    "orderRef": (f.is_string, False),
}


def _order_upsert_spec(options: RestBatchOptions) -> f.Spec:
    required = _UPSERT_REQUIRED if options.batch_upsert_requires_items else _UPSERT_REQUIRED - {"orderItems"}
    return {name: (check, name in required) for name, (check, _) in _ORDER_INSERT.items()}


def extensions_problems(value: object, max_keys: int) -> list[str]:
    """Problems of a Batch ``extensions`` array: exactly one ``{name:"ext", key:"default", …}``."""
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return ["extensions: must be an array holding exactly one object"]
    ext = dict(value[0])
    if ext.pop("name", None) != "ext" or ext.pop("key", None) != "default":
        return ["extensions: the extension needs name 'ext' and key 'default'"]
    return [f"extensions: {p}" for p in f.extension_problems(ext, max_keys)]


def _identity_problems(person: Mapping[str, object], where: str) -> list[str]:
    has_identity = bool(person.get("email")) or bool(person.get("identifiers"))
    return [] if has_identity else [f"{where}Not enough identifying information (email or identifiers)"]


def _nested_extensions(value: Mapping[str, object], max_keys: int) -> list[str]:
    problems = extensions_problems(value["extensions"], max_keys) if "extensions" in value else []
    items = value.get("orderItems")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and "extensions" in item:
            problems += [f"orderItems[{i}].{p}" for p in extensions_problems(item["extensions"], max_keys)]
    return problems


def _order_problems(spec: f.Spec, value: Mapping[str, object], options: RestBatchOptions) -> list[str]:
    problems = f.check_fields(value, spec)
    if problems:
        return problems
    insert = spec is _ORDER_INSERT  # only an insert must carry the full payment data
    if insert and value.get("paymentType") == "Card" and "cardType" not in value:
        problems.append("cardType: required when paymentType is Card")
    items = value.get("orderItems")
    items_required = spec["orderItems"][1]
    if isinstance(items, list) and not items and items_required:
        problems.append("orderItems: at least one item is required")
    contact = value.get("contact")
    problems += _identity_problems(contact, "contact: ") if isinstance(contact, dict) else []
    return problems + _nested_extensions(value, options.batch_ext_max_keys)


def _order_insert(value: Mapping[str, object], options: RestBatchOptions) -> list[str]:
    return _order_problems(_ORDER_INSERT, value, options)


def _order_upsert(value: Mapping[str, object], options: RestBatchOptions) -> list[str]:
    return _order_problems(_order_upsert_spec(options), value, options)


def _order_delete(value: Mapping[str, object], _options: RestBatchOptions) -> list[str]:
    return f.check_fields(value, ORDER_DELETE)


def _guest_upsert(value: Mapping[str, object], options: RestBatchOptions) -> list[str]:
    problems = f.check_fields(value, GUEST) + _identity_problems(value, "")
    return problems + _nested_extensions(value, options.batch_ext_max_keys)


def _guest_delete(value: Mapping[str, object], _options: RestBatchOptions) -> list[str]:
    return f.check_fields(value, GUEST_DELETE) + _identity_problems(value, "")


_CHECKS: dict[tuple[str, str], Callable[[Mapping[str, object], RestBatchOptions], list[str]]] = {
    ("order", "insert"): _order_insert,
    ("order", "upsert"): _order_upsert,
    ("order", "delete"): _order_delete,
    ("guest", "upsert"): _guest_upsert,
    ("guest", "migration"): _guest_upsert,
    ("guest", "delete"): _guest_delete,
    ("guest", "gdpr_delete"): _guest_delete,
}


def value_problems(record: Record, options: RestBatchOptions) -> list[str]:
    """Why ``record.value`` cannot be applied (empty when it is valid for its schema and mode)."""
    return _CHECKS[(record.schema, record.mode)](record.value, options)


def entity_key(record: Record) -> str | None:
    """The entity a record touches, to spot the same entity twice in one file (None: unknown)."""
    value = record.value
    if record.schema == "order":
        ref = value.get("referenceId")
        return f"order:{ref}" if isinstance(ref, str) else None
    email = value.get("email")
    return f"guest:{str(email).lower()}" if isinstance(email, str) else None
