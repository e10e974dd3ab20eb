"""values.yaml, values.schema.json and the rendered ConfigMap carry every worker setting by its env name."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from ops import chart_schema
from tests.ops.tools import CHART, CI_VALUES, find, render
from worker.config import PREFIX, Settings, load_settings

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
    assert {"cdp_api_token", "kafka_sasl_password"} <= SECRET_FIELDS
    values = _values()
    assert set(values["secret"]["values"]) == {_env(name) for name in SECRET_FIELDS}
    config_map = find(render(), "ConfigMap")["data"]
    assert not {_env(name) for name in SECRET_FIELDS} & set(config_map)


def test_schema_settings_parts_are_generated_from_the_settings() -> None:
    plain, secret = chart_schema.settings_schemas()
    schema = _schema()["properties"]
    assert schema["config"]["properties"] == plain, "run: python -m ops.chart_schema"
    assert schema["config"]["required"] == list(plain)
    assert schema["secret"]["properties"]["values"]["properties"] == secret


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("kafka_session_timeout_ms", {"type": "integer", "minimum": 1000}),
        ("drain_timeout_s", {"type": "number", "exclusiveMinimum": 0}),
        ("sink", {"type": "string", "enum": ["log", "record", "cdp"]}),
        ("metrics_port", {"type": "integer", "minimum": 0, "maximum": 65535}),
    ],
)
def test_schema_of_a_setting_carries_its_type_enum_and_bounds(name: str, expected: dict[str, Any]) -> None:
    schema = chart_schema.field_schema(Settings.model_fields[name])
    assert {key: value for key, value in schema.items() if key != "description"} == expected


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
