"""Field checks shared by REST and Batch validation: small pure predicates in tables.

A *spec* maps a field name to ``(check, required)``. :func:`check_fields` applies it and returns
the problems as ``"field: reason"`` strings, so callers choose how to report them (REST: a 400
error body; Batch: one error-log line).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal

Check = Callable[[object], str | None]
Spec = Mapping[str, tuple[Check, bool]]

_CURRENCY = re.compile(r"[A-Z]{3}\Z")
_LANGUAGE = re.compile(r"[A-Z]{2}\Z")
_EXT_KEY = re.compile(r"[a-z][A-Za-z0-9]*\Z")

CHANNELS = frozenset(
    {"AIRPORT_KIOSK", "BRANCH", "CALL_CENTER", "GDS", "KIOSK", "MOBILE_APP", "MOBILE_WEB", "OFFLINE", "OTA"}
    | {"OTHER", "WEB"}
)
CARD_TYPES = frozenset({"Mastercard", "Visa", "Diners", "American Express"})
GENDERS = frozenset({"male", "female", "unknown"})
FORBIDDEN_ITEM_TYPES = frozenset(
    {"FLIGHT", "HOTEL", "MORTGAGE", "MORTGAGE_APPLICATION", "LOAN_APPLICATION", "PERSONAL_LOAN", "RAIL"}
)


def is_string(value: object) -> str | None:
    """A non-empty string."""
    return None if isinstance(value, str) and value != "" else "must be a non-empty string"


def any_value(_value: object) -> str | None:
    """Anything (the field is checked elsewhere)."""
    return None


def is_dict(value: object) -> str | None:
    """A JSON object (its fields are checked elsewhere)."""
    return None if isinstance(value, dict) else "must be an object"


def is_number(value: object) -> str | None:
    """A JSON number (not a boolean)."""
    ok = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    return None if ok else "must be a number"


def is_integer(value: object) -> str | None:
    """A JSON integer (not a boolean)."""
    return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"


def parse_utc(value: object) -> dt.datetime | None:
    """``value`` as an aware UTC datetime, or None when it is not an ISO 8601 UTC timestamp."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() != dt.timedelta(0):
        return None
    return parsed


def is_utc_datetime(value: object) -> str | None:
    """An ISO 8601 timestamp in UTC (``Z`` or ``+00:00``)."""
    return None if parse_utc(value) is not None else "must be an ISO 8601 UTC timestamp"


def is_past_date(value: object) -> str | None:
    """An ISO 8601 date (or UTC timestamp) in the past."""
    if not isinstance(value, str):
        return "must be a past ISO 8601 date"
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return "must be a past ISO 8601 date"
    return None if day < dt.datetime.now(dt.UTC).date() else "must be a past ISO 8601 date"


def matches(pattern: re.Pattern[str], what: str) -> Check:
    """A string matching ``pattern``."""

    def check(value: object) -> str | None:
        ok = isinstance(value, str) and pattern.match(value) is not None
        return None if ok else f"must be {what}"

    return check


def one_of(allowed: frozenset[str]) -> Check:
    """One of the ``allowed`` strings (exact case)."""

    def check(value: object) -> str | None:
        return None if isinstance(value, str) and value in allowed else f"must be one of {sorted(allowed)}"

    return check


def string_at_most(limit: int) -> Check:
    """A non-empty string of at most ``limit`` characters."""

    def check(value: object) -> str | None:
        return is_string(value) or (None if len(str(value)) <= limit else f"must be at most {limit} chars")

    return check


def list_of(item: Check) -> Check:
    """A JSON array whose every element passes ``item``."""

    def check(value: object) -> str | None:
        if not isinstance(value, list):
            return "must be an array"
        return next((f"[{i}] {p}" for i, v in enumerate(value) if (p := item(v)) is not None), None)

    return check


def is_object(spec: Spec) -> Check:
    """A JSON object valid under ``spec``."""

    def check(value: object) -> str | None:
        if not isinstance(value, dict):
            return "must be an object"
        problems = check_fields(value, spec)
        return "; ".join(problems) if problems else None

    return check


def is_uppercase_type(value: object) -> str | None:
    """An upper-case product type that is not one of the reserved travel types."""
    if not isinstance(value, str) or value == "" or value != value.upper():
        return "must be an upper-case string"
    return "is a reserved travel type" if value in FORBIDDEN_ITEM_TYPES else None


def is_free_type(value: object) -> str | None:
    """Free-text product type, except the reserved travel types (REST v2.1)."""
    return is_string(value) or ("is a reserved travel type" if value in FORBIDDEN_ITEM_TYPES else None)


CURRENCY = matches(_CURRENCY, "a 3-letter upper-case ISO 4217 code")
LANGUAGE = matches(_LANGUAGE, "a 2-letter upper-case ISO 639-1 code")
IDENTIFIER: Spec = {
    "provider": (is_string, True),
    "id": (is_string, True),
    "expiryDate": (is_utc_datetime, False),
}
IDENTIFIERS = list_of(is_object(IDENTIFIER))
STRINGS = list_of(is_string)


def check_fields(body: Mapping[str, object], spec: Spec, ignored: frozenset[str] = frozenset()) -> list[str]:
    """Problems of ``body`` under ``spec``: unknown fields, missing required ones, bad values."""
    problems = [f"{name}: unknown field" for name in body if name not in spec and name not in ignored]
    for name, (check, required) in spec.items():
        if name not in body or body[name] is None:
            problems += [f"{name}: required"] if required else []
            continue
        problem = check(body[name])
        problems += [f"{name}: {problem}"] if problem else []
    return problems


def extension_problems(ext: Mapping[str, object], max_keys: int) -> list[str]:
    """Problems of one flat data-extension object (keys already stripped of ``name``/``key``)."""
    problems = [f"extension has {len(ext)} attributes, at most {max_keys}"] if len(ext) > max_keys else []
    for key, value in ext.items():
        if _EXT_KEY.match(key) is None:
            problems.append(f"{key}: attribute names are camelCase alphanumeric")
        if not isinstance(value, str | bool | int | float | Decimal):
            problems.append(f"{key}: values are string, boolean, integer or number")
    return problems
