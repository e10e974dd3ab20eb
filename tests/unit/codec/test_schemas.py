"""The schema files themselves: generated, documented, namespaced, exact money, one shared order type."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.codec.conftest import EVENT_TYPES, SCHEMA_DIR

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.avsc"))


def _named(node: Any) -> Iterator[dict[str, Any]]:
    """Every named type definition (record, enum) in a schema, in document order."""
    if isinstance(node, list):
        for item in node:
            yield from _named(item)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum"):
            yield node
        for value in node.values():
            yield from _named(value)


def _fields(node: Any) -> Iterator[dict[str, Any]]:
    for named in _named(node):
        yield from named.get("fields", [])


def test_schema_files_are_up_to_date_with_the_generator() -> None:
    generator = runpy.run_path(str(SCHEMA_DIR / "tools" / "generate.py"))
    assert generator["main"](["--check"]) == 0


def test_there_is_a_current_and_a_previous_schema_per_event_type() -> None:
    expected = sorted([f"{name}.avsc" for name in EVENT_TYPES] + [f"{name}.v1.avsc" for name in EVENT_TYPES])
    assert sorted(path.name for path in SCHEMA_FILES) == expected


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_every_type_and_field_is_documented_and_namespaced(path: Any) -> None:
    schema = json.loads(path.read_text())
    for named in _named(schema):
        assert named["namespace"] == "cdp.commerce"
        assert named.get("doc"), named["name"]
    for spec in _fields(schema):
        assert spec.get("doc"), spec["name"]


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda path: path.name)
def test_money_is_decimal_and_times_are_timestamp_millis(path: Any) -> None:
    money = {"unit_price", "original_unit_price", "total", "amount", "previous_unit_price"}
    times = {"occurred_at", "ordered_at", "cancelled_at", "refunded_at"}
    for spec in _fields(json.loads(path.read_text())):
        kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        logical = [kind for kind in kinds if isinstance(kind, dict) and "logicalType" in kind]
        if spec["name"] in money:
            assert logical == [{"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}]
        if spec["name"] in times:
            assert logical == [{"type": "long", "logicalType": "timestamp-millis"}]
        if spec["name"] == "event_id":
            assert logical == [{"type": "string", "logicalType": "uuid"}]


def test_shared_types_are_defined_identically_in_every_current_schema() -> None:
    definitions: dict[str, str] = {}
    for name in EVENT_TYPES:
        for named in _named(json.loads((SCHEMA_DIR / f"{name}.avsc").read_text())):
            text = json.dumps(named, sort_keys=True)
            assert definitions.setdefault(named["name"], text) == text, f"{named['name']} differs in {name}"
    assert {"Guest", "Context", "Order", "OrderLine", "Payment", "Identifier"} <= set(definitions)


def test_every_order_event_carries_the_one_order_type() -> None:
    for name in ("OrderPlaced", "OrderImported", "OrderUpdated", "OrderCancelled", "OrderRefunded"):
        fields = {
            spec["name"]: spec for spec in json.loads((SCHEMA_DIR / f"{name}.avsc").read_text())["fields"]
        }
        assert fields["order"]["type"]["name"] == "Order"


def test_the_current_version_only_adds_fields_with_defaults() -> None:
    for name in EVENT_TYPES:
        old = {spec["name"] for spec in _fields(json.loads((SCHEMA_DIR / f"{name}.v1.avsc").read_text()))}
        new = list(_fields(json.loads((SCHEMA_DIR / f"{name}.avsc").read_text())))
        added = [spec for spec in new if spec["name"] not in old]
        assert added, name
        assert all("default" in spec for spec in added), name
