"""Field checks for Stream messages: plain functions raising :class:`Invalid` with a precise detail."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from decimal import Decimal

from sandbox.clock import parse_iso
from sandbox.rows import JsonValue

UPPER_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
EXT_NAME = re.compile(r"[a-z][A-Za-z0-9]*")
EXT_MAX_ATTRIBUTES = 50
Obj = Mapping[str, object]


class Invalid(Exception):
    """The message breaks a documented rule; ``detail`` names the attribute and the rule."""

    def __init__(self, detail: str, code: int = 400) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


def _where(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def obj(value: object, where: str) -> Obj:
    """``value`` as a JSON object."""
    if not isinstance(value, dict):
        raise Invalid(f"{where} must be a JSON object")
    return value


def text(data: Obj, key: str, where: str = "", *, required: bool = True) -> str | None:
    """A non-empty string attribute (``None`` when optional and absent)."""
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(f"{_where(where, key)} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{_where(where, key)} must be a non-empty string")
    return value


def need_text(data: Obj, key: str, where: str = "") -> str:
    """A required non-empty string attribute."""
    value = text(data, key, where)
    assert value is not None  # required=True raised otherwise
    return value


def upper(data: Obj, key: str, where: str = "", *, required: bool = True) -> str | None:
    """An upper-case name such as ``WEB`` or ``PURCHASED``."""
    value = text(data, key, where, required=required)
    if value is not None and not UPPER_NAME.fullmatch(value):
        raise Invalid(f"{_where(where, key)} must be upper case ([A-Z][A-Z0-9_]*), got {value!r}")
    return value


def one_of(
    data: Obj, key: str, allowed: Collection[str], where: str = "", *, required: bool = True
) -> str | None:
    """A string from a fixed list."""
    value = text(data, key, where, required=required)
    if value is not None and value not in allowed:
        raise Invalid(f"{_where(where, key)} must be one of {sorted(allowed)}, got {value!r}")
    return value


def number(data: Obj, key: str, where: str = "", *, required: bool = True) -> Decimal | None:
    """A JSON number as an exact ``Decimal`` (booleans and strings are refused)."""
    value = data.get(key)
    if value is None:
        if required:
            raise Invalid(f"{_where(where, key)} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Invalid(f"{_where(where, key)} must be a number")
    return exact_number(value)


def exact_number(value: int | float | Decimal) -> Decimal:
    """A JSON number as ``Decimal``; a float becomes its shortest round-trip literal (``19.99``)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def need_number(data: Obj, key: str, where: str = "") -> Decimal:
    """A required JSON number."""
    value = number(data, key, where)
    assert value is not None  # required=True raised otherwise
    return value


def timestamp(data: Obj, key: str, where: str = "", *, required: bool = True) -> str | None:
    """An ISO 8601 timestamp string (kept as sent)."""
    value = text(data, key, where, required=required)
    if value is not None and parse_iso(value) is None:
        raise Invalid(f"{_where(where, key)} must be an ISO 8601 timestamp, got {value!r}")
    return value


def array(data: Obj, key: str, where: str = "", *, required: bool = True) -> list[object]:
    """A non-empty JSON array (empty list when optional and absent)."""
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not value:
        raise Invalid(f"{_where(where, key)} must be a non-empty array")
    return value


def coded(
    data: Obj, key: str, table: Collection[str], kind: str, where: str = "", *, required: bool = True
) -> str | None:
    """An upper-case ISO code from ``table`` (language, currency)."""
    value = text(data, key, where, required=required)
    if value is not None and value not in table:
        raise Invalid(f"{_where(where, key)} must be an upper-case {kind} code, got {value!r}")
    return value


def ext_attributes(value: object, where: str = "ext") -> dict[str, JsonValue]:
    """A flat ``ext`` object: ≤ 50 camelCase alphanumeric names, primitive values only."""
    data = obj(value, where)
    if len(data) > EXT_MAX_ATTRIBUTES:
        raise Invalid(f"{where} has {len(data)} attributes; at most {EXT_MAX_ATTRIBUTES} are allowed")
    checked: dict[str, JsonValue] = {}
    for name, item in data.items():
        if not EXT_NAME.fullmatch(name):
            raise Invalid(f"{where}.{name}: attribute names must be alphanumeric camelCase")
        if not isinstance(item, str | int | float | Decimal):  # bool is an int
            raise Invalid(f"{where}.{name} must be a string, boolean, integer or number")
        checked[name] = exact_number(item) if isinstance(item, float) else item
    return checked


def value_kind(value: object) -> str:
    """The CDP value type of an ``ext`` value (``boolean``, ``integer``, ``number``, ``string``)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "number" if isinstance(value, float | Decimal) else "string"
