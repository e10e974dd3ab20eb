"""`cdp-worker produce`, `check` and the health endpoints, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.integration.runtime.conftest import Topics, WorkerFactory
from tests.support.kafka import example, headers_of, read_all
from tests.support.registry import start_registry
from worker.codec import build_decoder
from worker.config import DEFAULT_SCHEMA_DIR


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_produce_encodes_each_line_in_the_wire_format_keyed_by_the_field(
    bootstrap: str, topics: Topics, tmp_path: Path
) -> None:
    url, stop = start_registry()
    try:
        lines = [example(kind) for kind in ("CartItemAdded", "OrderPlaced", "OrderCancelled")]
        source = tmp_path / "events.jsonl"
        source.write_text("\n".join(json.dumps(line) for line in lines) + "\n{not json}\n")
        env = {
            "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "CDPW_KAFKA_TOPICS": topics.source,
            "CDPW_WIRE_FORMAT": "avro-registry",
            "CDPW_SCHEMA_REGISTRY_URL": url,
        }
        done = _cli(env, "produce", "--file", str(source))
        assert done.returncode == 1, done.stderr
        assert "sent 3 events" in done.stdout
        assert f"{source}:4:" in done.stderr
        decoder = build_decoder("avro-registry", DEFAULT_SCHEMA_DIR, url)
        messages = read_all(bootstrap, topics.source, expected=3, timeout=20)
        decoded = {
            decoder.decode(m.value(), list(headers_of(m).items())).event_type: m.key() for m in messages
        }
        customers = [line["guest"]["customer_id"] for line in lines]
        assert decoded == {
            kind: customer.encode() if customer else None
            for kind, customer in zip(
                ("CartItemAdded", "OrderPlaced", "OrderCancelled"), customers, strict=True
            )
        }
    finally:
        stop()


def test_check_reports_each_dependency_and_fails_on_a_missing_topic(bootstrap: str, topics: Topics) -> None:
    env = {
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CDPW_KAFKA_TOPICS": topics.source,
        "CDPW_DLQ_TOPIC": topics.dlq,
        "CDPW_SINK": "log",
    }
    ok = _cli(env, "check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "broker: ok" in ok.stdout
    missing = _cli({**env, "CDPW_KAFKA_TOPICS": "no-such-topic-here"}, "check")
    assert missing.returncode == 1
    assert "topics missing: no-such-topic-here" in missing.stdout
    bad = _cli({**env, "CDPW_MAX_IN_FLIGHT": "lots"}, "check")
    assert bad.returncode == 2
    assert "CDPW_MAX_IN_FLIGHT" in bad.stderr


def test_health_endpoints_tell_alive_from_ready(start_worker: WorkerFactory) -> None:
    worker = start_worker()
    worker.wait_ready()
    assert httpx.get(f"{worker.url}/healthz", timeout=5).status_code == 200
    ready = httpx.get(f"{worker.url}/readyz", timeout=5)
    assert ready.status_code == 200
    assert "partitions assigned" in ready.text
    metrics = httpx.get(f"{worker.url}/metrics", timeout=5)
    assert "cdpw_build_info{python=" in metrics.text
    assert httpx.get(f"{worker.url}/nope", timeout=5).status_code == 404
    assert worker.terminate() == 0


def test_run_without_a_broker_is_a_configuration_error_naming_the_variable() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDPW_")}
    done = subprocess.run(
        [sys.executable, "-m", "worker", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "CDPW_KAFKA_BOOTSTRAP_SERVERS" in done.stderr
