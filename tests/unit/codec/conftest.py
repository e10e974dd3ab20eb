"""Shared data for codec tests: the schema directory and the example events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
EVENT_TYPES = sorted(path.stem for path in (SCHEMA_DIR / "examples").glob("*.json"))


def example(event_type: str) -> dict[str, Any]:
    """The JSON example of ``event_type`` as a fresh dict."""
    data: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / f"{event_type}.json").read_text("utf-8"))
    return data
