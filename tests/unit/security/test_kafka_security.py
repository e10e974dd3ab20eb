"""Kafka TLS and SASL settings map onto librdkafka's configuration; secrets come from env or files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer

from worker.app import kafka_common
from worker.config import load_settings

BASE = {"CDPW_KAFKA_BOOTSTRAP_SERVERS": "broker-1:9093"}


def conf(**env: str) -> dict[str, Any]:
    return kafka_common(load_settings({**BASE, **{f"CDPW_{k.upper()}": v for k, v in env.items()}}))


def test_plaintext_carries_no_sasl_or_tls_settings() -> None:
    assert conf() == {"bootstrap.servers": "broker-1:9093", "security.protocol": "PLAINTEXT"}


def test_tls_with_a_private_ca() -> None:
    found = conf(kafka_security_protocol="SSL", kafka_ssl_ca_location="/etc/kafka/ca.pem")
    assert found["security.protocol"] == "SSL"
    assert found["ssl.ca.location"] == "/etc/kafka/ca.pem"
    assert not any(key.startswith("sasl.") for key in found)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_password_mechanisms_log_in_with_username_and_password(mechanism: str) -> None:
    found = conf(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism=mechanism,
                 kafka_sasl_username="cdp-worker", kafka_sasl_password="s3cret-pw")  # fmt: skip
    assert {k: v for k, v in found.items() if k.startswith("sasl.")} == {
        "sasl.mechanism": mechanism, "sasl.username": "cdp-worker", "sasl.password": "s3cret-pw"
    }  # fmt: skip


def test_oauthbearer_uses_the_oidc_client_credentials_flow() -> None:
    found = conf(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="OAUTHBEARER",
                 kafka_sasl_oauthbearer_token_endpoint_url="https://idp.example/oauth2/token",
                 kafka_sasl_oauthbearer_client_id="cdp-worker", kafka_sasl_oauthbearer_client_secret="cs-1",
                 kafka_sasl_oauthbearer_scope="kafka")  # fmt: skip
    assert {k: v for k, v in found.items() if k.startswith("sasl.")} == {
        "sasl.mechanism": "OAUTHBEARER",
        "sasl.oauthbearer.method": "oidc",
        "sasl.oauthbearer.token.endpoint.url": "https://idp.example/oauth2/token",
        "sasl.oauthbearer.client.id": "cdp-worker",
        "sasl.oauthbearer.client.secret": "cs-1",
        "sasl.oauthbearer.scope": "kafka",
    }


def test_oauthbearer_without_scope_sends_none() -> None:
    found = conf(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="OAUTHBEARER")
    assert "sasl.oauthbearer.scope" not in found
    assert "sasl.password" not in found


def test_sasl_settings_are_ignored_without_a_sasl_protocol() -> None:
    assert "sasl.mechanism" not in conf(kafka_security_protocol="SSL", kafka_sasl_password="unused")


@pytest.mark.parametrize(
    "env",
    [
        {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
         "kafka_sasl_username": "u", "kafka_sasl_password": "p"},
        {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "OAUTHBEARER",
         "kafka_sasl_oauthbearer_token_endpoint_url": "https://idp.example/token",
         "kafka_sasl_oauthbearer_client_id": "c", "kafka_sasl_oauthbearer_client_secret": "s"},
    ],
)  # fmt: skip
def test_librdkafka_accepts_the_mapped_configuration(env: dict[str, str]) -> None:
    producer = Producer(conf(**env))  # librdkafka validates every key and value on construction
    assert producer.flush(0) == 0


@pytest.mark.parametrize(
    ("field", "variable"),
    [
        ("cdp_api_token", "CDPW_CDP_API_TOKEN_FILE"),
        ("kafka_sasl_password", "CDPW_KAFKA_SASL_PASSWORD_FILE"),
        ("kafka_sasl_oauthbearer_client_secret", "CDPW_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE"),
    ],
)
def test_every_secret_can_come_from_a_mounted_file(field: str, variable: str, tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("from-the-file\n", encoding="utf-8")
    settings = load_settings({variable: str(path)})
    assert getattr(settings, field).get_secret_value() == "from-the-file"
