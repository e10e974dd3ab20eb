"""A real worker's log lines: secrets masked wherever they show up, guests' emails hashed.

Validation errors echo the offending value, and the worker logs each dead letter with its error: a
record whose bad value is a guest's email or the tenant's token puts them into a log line, where the
redaction filter must catch them.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from tests.support.kafka import cart_event, create_topics, produce_json, producer, read_all
from tests.support.worker_process import WorkerProcess, read_processed
from worker.redact import MASK, pii_hash

SECRET = f"tok-{uuid.uuid4().hex}"
EMAIL = "zoe.muller.7@example.com"


def run_worker(bootstrap: str, tmp_path: Path, **env: str) -> str:
    """Run a worker over good cart events and two invalid ones; returns its whole (JSON) log."""
    source, dlq = f"sec-{uuid.uuid4().hex[:8]}", f"sec-dlq-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, (source, 1), (dlq, 1))
    good = [("guest-ok", cart_event("guest-ok", n)) for n in range(3)]
    leaking_email, leaking_token = cart_event("guest-a", 1), cart_event("guest-b", 1)
    leaking_email["guest"]["email"] = EMAIL
    leaking_email["context"]["currency"] = EMAIL  # "expected 3 upper-case letters ..., got '<email>'"
    leaking_token["context"]["currency"] = SECRET
    produce_json(producer(bootstrap), source, [*good, ("guest-a", leaking_email), ("guest-b", leaking_token)])
    sink, log_path = tmp_path / "processed.jsonl", tmp_path / "worker.log"
    settings = {
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": source, "CDPW_DLQ_TOPIC": dlq,
        "CDPW_KAFKA_GROUP_ID": f"g-{source}", "CDPW_SINK": "record", "CDPW_RECORD_SINK_PATH": str(sink),
        "CDPW_CDP_API_TOKEN": SECRET, "CDPW_LOG_FORMAT": "json",
    }  # fmt: skip
    worker = WorkerProcess(env={**settings, **env}, log_path=log_path).start()
    try:
        assert len(read_all(bootstrap, dlq, 2, timeout=30)) == 2, worker.tail()
        deadline = time.monotonic() + 20
        while len(read_processed(sink)) < len(good) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
    return log_path.read_text(encoding="utf-8")


def test_the_worker_never_logs_the_token_or_a_guest_email_in_clear(bootstrap: str, tmp_path: Path) -> None:
    log = run_worker(bootstrap, tmp_path)

    assert log.count("dead-lettered") == 2  # both errors, with their echoed values, were logged ...
    assert SECRET not in log
    assert f"got '{MASK}'" in log  # ... the token masked
    assert EMAIL not in log
    assert pii_hash(EMAIL) in log  # ... and the email hashed


def test_the_debug_switch_logs_guest_emails_in_clear_but_never_the_token(
    bootstrap: str, tmp_path: Path
) -> None:
    log = run_worker(bootstrap, tmp_path, CDPW_LOG_PII="true")

    assert EMAIL in log
    assert SECRET not in log
