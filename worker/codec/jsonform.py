"""Validate a JSON value against an Avro schema, converting it to the Avro datum form.

The JSON form of an event uses the Avro field names; a nullable field is ``null`` or the value
(no union wrapping); money (``decimal``) is a decimal string, times (``timestamp-millis``) are
ISO 8601 strings with an offset, ``uuid`` strings must be UUIDs. Unknown fields are ignored (as
Avro schema resolution ignores fields a reader does not know); missing fields take the schema
default or fail. Every failure is a ValidationError whose path names the field.

A schema is compiled once into a tree of checking functions (:func:`compile_schema`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from worker.errors import ValidationError
from worker.events.fields import describe, join, to_time

#: (json value, path) → Avro datum value
Check = Callable[[object, str], object]

_INT_RANGES = {"int": 2**31, "long": 2**63}


def compile_schema(schema: Any) -> Check:
    """A checker of JSON values for the (declared, not fastavro-parsed) Avro ``schema``."""
    return _Compiler().compile(schema, "")


class _Compiler:
    """Compiles schema nodes; named types are remembered so later references reuse them."""

    def __init__(self) -> None:
        self.named: dict[str, Check] = {}

    def compile(self, schema: Any, namespace: str) -> Check:
        if isinstance(schema, list):
            return self._union([self.compile(branch, namespace) for branch in schema], schema)
        if isinstance(schema, str):
            return self._named_or_primitive(schema, namespace)
        logical = schema.get("logicalType")
        if logical in _LOGICAL:
            return _LOGICAL[logical](schema)
        builder = _BUILDERS.get(schema["type"])
        if builder is not None:
            return builder(self, schema, namespace)
        return self._named_or_primitive(schema["type"], namespace)

    def _named_or_primitive(self, name: str, namespace: str) -> Check:
        if name in _PRIMITIVES:
            return _PRIMITIVES[name]
        full = name if "." in name or not namespace else f"{namespace}.{name}"
        return self.named[full]

    def register(self, schema: Mapping[str, Any], namespace: str, check: Check) -> str:
        """Record a named type; returns the namespace its children inherit."""
        name = schema["name"]
        space = str(schema.get("namespace", namespace)) if "." not in name else name.rsplit(".", 1)[0]
        self.named[name if "." in name else f"{space}.{name}" if space else name] = check
        return space

    def record(self, schema: Mapping[str, Any], namespace: str) -> Check:
        fields: list[tuple[str, Check, object]] = []

        def check(value: object, path: str) -> object:
            if not isinstance(value, Mapping):
                raise ValidationError(f"expected an object, got {describe(value)}", path)
            return {name: _field(value, name, checker, default, path) for name, checker, default in fields}

        space = self.register(schema, namespace, check)
        for spec in schema["fields"]:
            default = spec.get("default", _REQUIRED)
            fields.append((spec["name"], self.compile(spec["type"], space), default))
        return check

    def enum(self, schema: Mapping[str, Any], namespace: str) -> Check:
        symbols = frozenset(schema["symbols"])
        expected = f"expected one of {', '.join(schema['symbols'])}"

        def check(value: object, path: str) -> object:
            if not isinstance(value, str) or value not in symbols:
                raise ValidationError(f"{expected}, got {describe(value)}", path)
            return value

        self.register(schema, namespace, check)
        return check

    def array(self, schema: Mapping[str, Any], namespace: str) -> Check:
        item = self.compile(schema["items"], namespace)

        def check(value: object, path: str) -> object:
            if not isinstance(value, list):
                raise ValidationError(f"expected an array, got {describe(value)}", path)
            return [item(element, f"{path}[{index}]") for index, element in enumerate(value)]

        return check

    def map(self, schema: Mapping[str, Any], namespace: str) -> Check:
        item = self.compile(schema["values"], namespace)

        def check(value: object, path: str) -> object:
            if not isinstance(value, Mapping):
                raise ValidationError(f"expected an object, got {describe(value)}", path)
            return {key: item(element, join(path, key)) for key, element in value.items()}

        return check

    def _union(self, branches: list[Check], schema: list[Any]) -> Check:
        nullable = "null" in schema
        others = [branch for branch, kind in zip(branches, schema, strict=True) if kind != "null"]
        names = ", ".join(_type_name(kind) for kind in schema)

        def check(value: object, path: str) -> object:
            if value is None and nullable:
                return None
            if len(others) == 1:
                return others[0](value, path)
            for branch in others:
                try:
                    return branch(value, path)
                except ValidationError:
                    continue
            raise ValidationError(f"expected one of {names}, got {describe(value)}", path)

        return check


_REQUIRED = object()


def _field(value: Mapping[str, object], name: str, check: Check, default: object, path: str) -> object:
    if name in value:
        return check(value[name], join(path, name))
    if default is _REQUIRED:
        raise ValidationError("required field is missing", join(path, name))
    return default.copy() if isinstance(default, list | dict) else default


def _type_name(kind: Any) -> str:
    if isinstance(kind, str):
        return kind
    return str(kind.get("logicalType") or kind.get("name") or kind["type"])


def _primitive(expected: str, accepts: Callable[[object], bool]) -> Check:
    def check(value: object, path: str) -> object:
        if not accepts(value):
            raise ValidationError(f"expected {expected}, got {describe(value)}", path)
        return value

    return check


def _integer(kind: str) -> Check:
    limit = _INT_RANGES[kind]

    def accepts(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit

    return _primitive(f"an integer ({kind})", accepts)


def _double(value: object, path: str) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValidationError(f"expected a number, got {describe(value)}", path)


_PRIMITIVES: dict[str, Check] = {
    "null": _primitive("null", lambda v: v is None),
    "boolean": _primitive("a boolean", lambda v: isinstance(v, bool)),
    "int": _integer("int"),
    "long": _integer("long"),
    "float": _double,
    "double": _double,
    "string": _primitive("a string", lambda v: isinstance(v, str)),
    "bytes": _primitive("bytes (not representable in JSON)", lambda _value: False),
}


def _decimal(schema: Mapping[str, Any]) -> Check:
    scale = int(schema.get("scale", 0))
    limit = Decimal(10) ** (int(schema["precision"]) - scale)
    expected = f"expected a decimal string with at most {scale} decimal places"

    def check(value: object, path: str) -> object:
        amount = _as_decimal(value)
        if amount is None or _places(amount) > scale:
            raise ValidationError(f"{expected}, got {describe(value)}", path)
        if abs(amount) >= limit:
            raise ValidationError(f"expected less than {limit} in size, got {describe(value)}", path)
        return amount

    return check


def _as_decimal(value: object) -> Decimal | None:
    if not isinstance(value, str) or not value or not (value.lstrip("-")[:1].isdigit()):
        return None
    try:
        amount = Decimal(value)
    except ArithmeticError:
        return None
    return amount if amount.is_finite() and "e" not in value.lower() else None


def _places(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _uuid(_schema: Mapping[str, Any]) -> Check:
    def check(value: object, path: str) -> object:
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        raise ValidationError(f"expected a UUID string, got {describe(value)}", path)

    return check


def _timestamp(_schema: Mapping[str, Any]) -> Check:
    def check(value: object, path: str) -> object:
        if not isinstance(value, str):
            raise ValidationError(f"expected an ISO 8601 timestamp string, got {describe(value)}", path)
        return to_time(value, path)

    return check


_LOGICAL: dict[str, Callable[[Mapping[str, Any]], Check]] = {
    "decimal": _decimal,
    "uuid": _uuid,
    "timestamp-millis": _timestamp,
}
_BUILDERS: dict[str, Callable[[_Compiler, Mapping[str, Any], str], Check]] = {
    "record": _Compiler.record,
    "enum": _Compiler.enum,
    "array": _Compiler.array,
    "map": _Compiler.map,
}
