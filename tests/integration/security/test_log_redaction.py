"""A real worker's log lines: secrets masked wherever they show up, guests' emails and names hashed."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

from sandbox.testing import running_sandbox
from tests.integration.orders.test_orders import wait_until_finished
from tests.integration.orders.traffic import Event, shop_traffic
from tests.support.kafka import create_topics, produce_json, producer
from tests.support.worker_process import WorkerProcess
from worker.redact import pii_hash

#: The tenant's credential. The sandbox also takes it as the client key, so it shows up in every Stream
#: request URL that httpx logs: a secret that reaches a third-party log line must still be masked there.
SECRET = f"tok-{uuid.uuid4().hex}"


def run_worker(bootstrap: str, tmp_path: Path, **env: str) -> tuple[str, list[tuple[str, Event]]]:
    """Run a worker over a small shop's orders; returns its whole log and the traffic."""
    source, dlq = f"sec-{uuid.uuid4().hex[:8]}", f"sec-dlq-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, (source, 2), (dlq, 1))
    traffic = shop_traffic(guests=4, orders_per_guest=1, seed=21)
    produce_json(producer(bootstrap), source, traffic)
    with running_sandbox(tmp_path, client_key=SECRET, api_token=SECRET) as sandbox:
        settings = {
            "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": source,
            "CDPW_KAFKA_GROUP_ID": f"sec-{source}", "CDPW_DLQ_TOPIC": dlq, "CDPW_STATE_TOPIC": f"{source}-st",
            "CDPW_SINK": "cdp", "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": SECRET,
            "CDPW_CDP_API_TOKEN": SECRET, "CDPW_LOG_FORMAT": "json",
        }  # fmt: skip
        worker = WorkerProcess(env={**settings, **env}, log_path=tmp_path / "worker.log").start()
        try:
            wait_until_finished(worker, len(traffic), timeout=60)
        finally:
            worker.terminate()
    return (tmp_path / "worker.log").read_text(encoding="utf-8"), traffic


def people(traffic: list[tuple[str, Event]]) -> tuple[set[str], set[str]]:
    guests = [event["guest"] for _, event in traffic]
    return {g["email"] for g in guests}, {g[k] for g in guests for k in ("first_name", "last_name")}


def clear_forms(value: str) -> list[str]:
    """How a value looks in a JSON line or a URL-encoded Stream message."""
    return [f'"{value}"', f"%22{quote(value, safe='')}%22", value.replace("@", "%40")]


def test_the_worker_never_logs_the_token_or_a_guest_in_clear(bootstrap: str, tmp_path: Path) -> None:
    log, traffic = run_worker(bootstrap, tmp_path)
    emails, names = people(traffic)

    assert "HTTP Request" in log  # httpx logged the Stream request URLs ...
    assert "client_key=***" in log  # ... with the credential masked in each of them
    assert SECRET not in log
    leaked = [form for value in emails | names for form in clear_forms(value) if form in log]
    assert leaked == []
    assert any(pii_hash(email) in log for email in emails)  # the IDENTITY events were logged, hashed


def test_the_debug_switch_logs_guests_in_clear_but_never_the_token(bootstrap: str, tmp_path: Path) -> None:
    log, traffic = run_worker(bootstrap, tmp_path, CDPW_LOG_PII="true")
    emails, _ = people(traffic)

    assert SECRET not in log
    assert all(email.replace("@", "%40") in log for email in emails)
