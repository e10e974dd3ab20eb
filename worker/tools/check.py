"""``cdp-worker check``: validate the configuration and reach the broker, the registry and CDP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from worker.app import kafka_common
from worker.config import Settings, load_settings

Check = Callable[[Settings], str]


def _broker(settings: Settings) -> str:
    admin = AdminClient(kafka_common(settings))
    try:
        metadata = admin.list_topics(timeout=10)
    except KafkaException as exc:
        raise RuntimeError(f"broker unreachable: {exc}") from None
    missing = [t for t in (*settings.kafka_topics, settings.dlq_topic) if t not in metadata.topics]
    if missing:
        raise RuntimeError(f"topics missing: {', '.join(missing)}")
    return f"{len(metadata.brokers)} broker(s); topics present"


def _registry(settings: Settings) -> str:
    if not settings.schema_registry_url:
        return "not configured (wire format does not need it)"
    response = httpx.get(f"{settings.schema_registry_url.rstrip('/')}/subjects", timeout=10)
    response.raise_for_status()
    return f"{len(response.json())} subjects"


def _cdp(settings: Settings) -> str:
    if settings.sink != "cdp":
        return f"not used (CDPW_SINK={settings.sink})"
    response = httpx.get(settings.cdp_base_url, timeout=settings.cdp_timeout_s)
    return f"{settings.cdp_base_url} answers (HTTP {response.status_code})"


CHECKS: tuple[tuple[str, Check], ...] = (("broker", _broker), ("registry", _registry), ("cdp", _cdp))


def check() -> int:
    """Print one line per check; 0 if all passed."""
    settings = load_settings()
    print(f"configuration: ok ({settings.wire_format}, topics {', '.join(settings.kafka_topics)})")
    failed = 0
    for name, run in CHECKS:
        try:
            print(f"{name}: ok, {run(settings)}")
        except Exception as exc:  # noqa: BLE001  (every failure is reported, none aborts the others)
            print(f"{name}: FAILED, {exc}")
            failed += 1
    return 1 if failed else 0
