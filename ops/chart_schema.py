"""Keep the chart's values.schema.json in step with worker/config.py.

``python -m ops.chart_schema`` rewrites the ``config`` (plain settings) and ``secret.values`` (secret
settings) parts of helm/cdp-worker/values.schema.json from the ``Settings`` fields: JSON type, enum of a
``Literal``, numeric bounds and description. values.yaml entries are written by hand (with comments);
tests/ops/test_chart_settings.py names any setting that lacks one.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from worker.config import PREFIX, Settings

SCHEMA = Path(__file__).resolve().parent.parent / "helm" / "cdp-worker" / "values.schema.json"
JSON_TYPES: dict[object, str] = {int: "integer", float: "number", bool: "boolean"}
BOUNDS = {
    annotated_types.Ge: ("minimum", "ge"),
    annotated_types.Gt: ("exclusiveMinimum", "gt"),
    annotated_types.Le: ("maximum", "le"),
    annotated_types.Lt: ("exclusiveMaximum", "lt"),
}


def env_name(field_name: str) -> str:
    return f"{PREFIX}{field_name.upper()}"


def is_secret(field: FieldInfo) -> bool:
    return field.annotation is SecretStr


def field_schema(field: FieldInfo) -> dict[str, Any]:
    """JSON Schema of one setting as it appears in values.yaml."""
    annotation = field.annotation
    schema: dict[str, Any] = {"description": field.description, "type": JSON_TYPES.get(annotation, "string")}
    if typing.get_origin(annotation) is typing.Literal:
        schema["enum"] = list(typing.get_args(annotation))
    for item in field.metadata:
        if type(item) in BOUNDS:
            key, attribute = BOUNDS[type(item)]
            schema[key] = getattr(item, attribute)
    return schema


def settings_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain settings, secret settings) as JSON Schema properties keyed by environment name."""
    fields = Settings.model_fields
    plain = {env_name(n): field_schema(f) for n, f in fields.items() if not is_secret(f)}
    secret = {
        env_name(n): {"type": "string", "description": f.description}
        for n, f in fields.items()
        if is_secret(f)
    }
    return plain, secret


def updated(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its settings parts regenerated."""
    plain, secret = settings_schemas()
    config = schema["properties"]["config"]
    config["properties"], config["required"] = plain, list(plain)
    schema["properties"]["secret"]["properties"]["values"]["properties"] = secret
    return schema


def render() -> str:
    return json.dumps(updated(json.loads(SCHEMA.read_text(encoding="utf-8"))), indent=2) + "\n"


if __name__ == "__main__":
    SCHEMA.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"updated {SCHEMA}\n")
