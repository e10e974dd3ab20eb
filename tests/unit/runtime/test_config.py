from pathlib import Path

import pytest

from worker.config import load_settings
from worker.errors import ConfigurationError


def test_settings_read_typed_values_from_cdpw_variables() -> None:
    settings = load_settings({"CDPW_KAFKA_TOPICS": "orders, carts", "CDPW_MAX_IN_FLIGHT": "50"})
    assert settings.kafka_topics == ("orders", "carts")
    assert settings.max_in_flight == 50


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"CDPW_MAX_IN_FLIGHT": "many"}, "CDPW_MAX_IN_FLIGHT"),
        ({"CDPW_MAX_IN_FLIGHT": "0"}, "CDPW_MAX_IN_FLIGHT"),
        ({"CDPW_WIRE_FORMAT": "xml"}, "CDPW_WIRE_FORMAT"),
        ({"CDPW_WIRE_FORMAT": "avro-registry"}, "CDPW_SCHEMA_REGISTRY_URL"),
        ({"CDPW_KAFKA_TOPICS": " , "}, "CDPW_KAFKA_TOPICS"),
        ({"CDPW_RECORD_SINK_DELAY_MS": "9-3"}, "CDPW_RECORD_SINK_DELAY_MS"),
        ({"CDPW_FATE_OVERRIDES": "rest:409=maybe"}, "CDPW_FATE_OVERRIDES"),
        ({"CDPW_STATE_RESTORE_TIMEOUT_S": "400"}, "CDPW_STATE_RESTORE_TIMEOUT_S"),
    ],
)
def test_a_bad_value_fails_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        load_settings(env)


def test_secrets_are_redacted_and_can_come_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret-token\n")
    settings = load_settings({"CDPW_CDP_API_TOKEN_FILE": str(secret)})
    assert settings.cdp_api_token.get_secret_value() == "s3cret-token"
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings)


def test_missing_bootstrap_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="CDPW_KAFKA_BOOTSTRAP_SERVERS"):
        load_settings({}).require_bootstrap()
