"""Typed, path-aware reading of one mapping: the building block of event validation.

Every accessor either returns a value that satisfies the contract or raises
:class:`~worker.errors.ValidationError` whose ``path`` names the field (``order.lines[2].unit_price``).
Accessors accept both the JSON form (decimal strings, ISO 8601 strings) and the Avro form
(``Decimal``, ``datetime``, ``UUID``) of a value, so the JSON and Avro paths share one validation.
"""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from worker.errors import ValidationError
from worker.events.model import ExtensionValue

E = TypeVar("E", bound=enum.Enum)

CENT = Decimal("0.01")
#: Avro ``decimal(18, 2)``: at most 16 digits before the point.
MONEY_LIMIT = Decimal(10) ** 16
_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LANGUAGE = re.compile(r"[A-Za-z]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_MISSING = object()


def join(path: str, key: str) -> str:
    """``order`` + ``lines`` → ``order.lines``; the root path is empty."""
    return f"{path}.{key}" if path else key


def describe(value: object) -> str:
    """A short rendering of a bad value for an error message."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Fields:
    """Read the fields of one object found at ``path``."""

    __slots__ = ("_data", "path")

    def __init__(self, data: object, path: str = "") -> None:
        if type(data) is not dict and not isinstance(data, Mapping):  # exact-type test first: hot path
            raise ValidationError(f"expected an object, got {describe(data)}", path)
        self._data: Mapping[str, object] = data
        self.path = path

    def at(self, key: str) -> str:
        """The path of field ``key``."""
        return join(self.path, key)

    def raw(self, key: str) -> object:
        """The value of a required field, whatever its type."""
        value = self._data.get(key, _MISSING)
        if value is _MISSING or value is None:
            raise ValidationError("required field is missing", self.at(key))
        return value

    def present(self, key: str) -> bool:
        """True when the optional field ``key`` has a non-null value."""
        return self._data.get(key) is not None

    def text(self, key: str) -> str:
        """A required non-empty string."""
        value = self.raw(key)
        if not isinstance(value, str) or not value or value.isspace():
            raise ValidationError(f"expected a non-empty string, got {describe(value)}", self.at(key))
        return value

    def opt_text(self, key: str) -> str | None:
        """An optional string: null or absent gives None; when present it must be non-empty."""
        return self.text(key) if self.present(key) else None

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean (default when absent)."""
        if not self.present(key):
            return default
        value = self.raw(key)
        if not isinstance(value, bool):
            raise ValidationError(f"expected a boolean, got {describe(value)}", self.at(key))
        return value

    def count(self, key: str) -> int:
        """A required integer greater than zero (quantities)."""
        value = self.raw(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValidationError(f"expected an integer greater than 0, got {describe(value)}", self.at(key))
        return value

    def opt_count(self, key: str) -> int | None:
        """An optional integer greater than zero."""
        return self.count(key) if self.present(key) else None

    def money(self, key: str) -> Decimal:
        """A required amount ≥ 0 with at most 2 decimal places, returned with exactly 2."""
        return to_money(self.raw(key), self.at(key))

    def opt_money(self, key: str) -> Decimal | None:
        """An optional amount (see :meth:`money`)."""
        return self.money(key) if self.present(key) else None

    def time(self, key: str) -> datetime:
        """A required timezone-aware instant, returned in UTC truncated to milliseconds."""
        return to_time(self.raw(key), self.at(key))

    def currency(self, key: str) -> str:
        """A required ISO 4217 code: three upper-case letters."""
        value = self.text(key)
        if not _CURRENCY.fullmatch(value):
            expected = "expected 3 upper-case letters (ISO 4217)"
            raise ValidationError(f"{expected}, got {describe(value)}", self.at(key))
        return value

    def opt_currency(self, key: str) -> str | None:
        """An optional ISO 4217 code."""
        return self.currency(key) if self.present(key) else None

    def language(self, key: str) -> str:
        """A required ISO 639-1 code: two letters."""
        value = self.text(key)
        if not _LANGUAGE.fullmatch(value):
            raise ValidationError(f"expected 2 letters (ISO 639-1), got {describe(value)}", self.at(key))
        return value

    def email(self, key: str) -> str | None:
        """An optional e-mail address (``local@domain``)."""
        value = self.opt_text(key)
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValidationError(f"expected an e-mail address, got {describe(value)}", self.at(key))
        return value

    def event_id(self, key: str) -> str:
        """A required UUID, returned in canonical lower-case form."""
        value = self.raw(key)
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        raise ValidationError(f"expected a UUID, got {describe(value)}", self.at(key))

    def choice(self, key: str, kind: type[E]) -> E:
        """A required symbol of enum ``kind``."""
        return to_choice(self.raw(key), kind, self.at(key))

    def opt_choice(self, key: str, kind: type[E]) -> E | None:
        """An optional enum symbol."""
        return self.choice(key, kind) if self.present(key) else None

    def sub(self, key: str) -> Fields:
        """A required nested object."""
        return Fields(self.raw(key), self.at(key))

    def opt_sub(self, key: str) -> Fields | None:
        """An optional nested object."""
        return self.sub(key) if self.present(key) else None

    def items(self, key: str, required: bool = True) -> Iterator[Fields]:
        """The objects of an array (absent means empty when not required)."""
        for path, item in self.elements(key, required):
            yield Fields(item, path)

    def elements(self, key: str, required: bool = True) -> Iterator[tuple[str, object]]:
        """``(path, value)`` of each element of an array."""
        if not required and not self.present(key):
            return
        value = self.raw(key)
        if not isinstance(value, list | tuple):
            raise ValidationError(f"expected an array, got {describe(value)}", self.at(key))
        for index, item in enumerate(value):
            yield f"{self.at(key)}[{index}]", item

    def extensions(self, key: str) -> dict[str, ExtensionValue]:
        """A flat map of primitive values (absent means empty)."""
        if not self.present(key):
            return {}
        value = self.raw(key)
        if not isinstance(value, Mapping):
            raise ValidationError(f"expected an object, got {describe(value)}", self.at(key))
        return {name: to_extension(item, self.at(key), name) for name, item in value.items()}


def to_money(value: object, path: str) -> Decimal:
    """Contract money from a decimal string (JSON) or a Decimal (Avro); never a float."""
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:  # the Avro decimal(18, 2) fast path
        amount = value
    elif isinstance(value, str) and _MONEY_TEXT.fullmatch(value):
        amount = Decimal(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.quantize(CENT):
        amount = value
    else:
        expected = "expected a decimal string with at most 2 decimal places"
        raise ValidationError(f"{expected}, got {describe(value)}", path)
    if amount < 0 or amount >= MONEY_LIMIT:
        raise ValidationError(f"expected an amount between 0 and 10^16, got {describe(value)}", path)
    return amount if amount.as_tuple().exponent == -2 else amount.quantize(CENT)


def to_time(value: object, path: str) -> datetime:
    """A UTC, millisecond instant from an ISO 8601 string with offset (JSON) or an aware datetime."""
    if isinstance(value, datetime) and value.tzinfo is UTC and not value.microsecond % 1000:
        return value  # what fastavro's timestamp-millis gives: already normalised
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        expected = "expected an ISO 8601 timestamp with a timezone"
        raise ValidationError(f"{expected}, got {describe(value)}", path)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def to_choice(value: object, kind: type[E], path: str) -> E:
    """A symbol of enum ``kind``."""
    try:
        return kind(value)
    except ValueError:
        symbols = ", ".join(str(member.value) for member in kind)
        raise ValidationError(f"expected one of {symbols}, got {describe(value)}", path) from None


def to_extension(value: object, path: str, name: str) -> ExtensionValue:
    """Extension ``name`` (under ``path``): a string, integer, finite number or boolean."""
    if isinstance(value, str | int | bool) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValidationError(
        f"expected a string, finite number or boolean, got {describe(value)}", join(path, name)
    )
