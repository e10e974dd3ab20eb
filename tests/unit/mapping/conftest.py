"""Builders of valid commerce events for the mapping tests (from the schema examples)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from worker.events import Event, event_from_dict

EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "examples"

EventBuilder = Callable[..., Event]


def example(event_type: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    return data


def order_line(n: int, **overrides: Any) -> dict[str, Any]:
    line = {
        "line_id": f"L-{n}",
        "product_id": f"P-{n}",
        "sku": None,
        "name": f"Product {n}",
        "type": "apparel",
        "quantity": 1 + n % 3,
        "unit_price": f"{n}.50",
    }
    return {**line, **overrides}


@pytest.fixture
def build() -> EventBuilder:
    """``build("OrderPlaced", **{"order.lines": [...]})``: an example with dotted-path overrides."""

    def make(event_type: str, **overrides: Any) -> Event:
        data = copy.deepcopy(example(event_type))
        for dotted, value in overrides.items():
            target = data
            *path, last = dotted.split(".")
            for name in path:
                target = target[name]
            if value is _DELETE:
                target.pop(last, None)
            else:
                target[last] = value
        return event_from_dict(data)

    return make


_DELETE = object()


@pytest.fixture
def delete() -> object:
    """Marker value: remove the field instead of setting it."""
    return _DELETE
