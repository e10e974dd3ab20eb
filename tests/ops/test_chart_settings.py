"""values.yaml, values.schema.json and the rendered ConfigMap carry every worker setting by its env name."""

from __future__ import annotations

import json
import typing
from typing import Any

import annotated_types
import pytest
import yaml
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from tests.ops.tools import CHART, CI_VALUES, find, render
from worker.config import PREFIX, Settings, load_settings

JSON_TYPES: dict[object, str] = {int: "integer", float: "number"}
SECRET_FIELDS = {name for name, field in Settings.model_fields.items() if field.annotation is SecretStr}


def _env(name: str) -> str:
    return f"{PREFIX}{name.upper()}"


def _values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    return values


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    return schema


def test_every_plain_setting_has_a_values_entry_under_its_env_name() -> None:
    expected = {_env(name) for name in Settings.model_fields if name not in SECRET_FIELDS}
    assert set(_values()["config"]) == expected


def test_every_secret_setting_lives_in_the_secret_not_the_config_map() -> None:
    assert {"cdp_api_token", "kafka_sasl_password"} == SECRET_FIELDS
    values = _values()
    assert set(values["secret"]["values"]) == {_env(name) for name in SECRET_FIELDS}
    config_map = find(render(), "ConfigMap")["data"]
    assert not {_env(name) for name in SECRET_FIELDS} & set(config_map)


def _expected_schema(field: FieldInfo) -> dict[str, Any]:
    annotation = field.annotation
    expected: dict[str, Any] = {"type": JSON_TYPES.get(annotation, "string")}
    if typing.get_origin(annotation) is typing.Literal:
        expected["enum"] = list(typing.get_args(annotation))
    bounds = {
        annotated_types.Ge: ("minimum", "ge"),
        annotated_types.Gt: ("exclusiveMinimum", "gt"),
        annotated_types.Le: ("maximum", "le"),
    }
    for item in field.metadata:
        if type(item) in bounds:
            key, attribute = bounds[type(item)]
            expected[key] = getattr(item, attribute)
    return expected


@pytest.mark.parametrize("name", [n for n in Settings.model_fields if n not in SECRET_FIELDS])
def test_schema_types_enums_and_bounds_follow_the_settings(name: str) -> None:
    field = Settings.model_fields[name]
    entry = _schema()["properties"]["config"]["properties"][_env(name)]
    assert {key: value for key, value in entry.items() if key != "description"} == _expected_schema(field)
    assert entry["description"], "each setting is documented in the schema"


@pytest.mark.parametrize("values_name", ["", "all-on-values.yaml"])
def test_rendered_config_map_loads_as_valid_settings(values_name: str) -> None:
    values = _values()["config"]
    files = [CI_VALUES / values_name] if values_name else []
    for path in files:
        values.update(yaml.safe_load(path.read_text(encoding="utf-8"))["config"])
    settings = load_settings(dict(find(render(files), "ConfigMap")["data"]))
    assert settings.kafka_topics == tuple(values["CDPW_KAFKA_TOPICS"].split(","))
    assert settings.drain_timeout_s == float(values["CDPW_DRAIN_TIMEOUT_S"])
    assert settings.kafka_max_poll_interval_ms == int(values["CDPW_KAFKA_MAX_POLL_INTERVAL_MS"])
    assert settings.metrics_port == 9100
