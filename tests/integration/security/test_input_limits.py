"""A real worker dead-letters records over the input limits, naming field, size and limit; others flow."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from tests.support.kafka import cart_event, create_topics, example, headers_of, producer, read_all
from tests.support.worker_process import WorkerProcess, read_processed

LIMITS = {"CDPW_MAX_VALUE_BYTES": "4000", "CDPW_MAX_ORDER_LINES": "3", "CDPW_MAX_EXTENSION_KEYS": "5",
          "CDPW_MAX_STRING_LENGTH": "200"}  # fmt: skip


def removal_with(lines: int) -> dict[str, Any]:
    event = example("CartItemRemoved")
    event["event_id"] = str(uuid.uuid4())
    line = event["remaining_lines"][0]
    event["remaining_lines"] = [{**line, "line_id": f"R{n}"} for n in range(lines)]
    return event


def spoiled() -> dict[str, tuple[bytes, str]]:
    """Poison value and the words its dead letter's message must carry, by limit."""
    long_name, wide, padded = cart_event("k", 1), cart_event("k", 2), cart_event("k", 3)
    long_name["line"]["name"] = "n" * 201
    wide["line"]["extensions"] = {f"key{n}": n for n in range(6)}
    return {
        "value_bytes": (json.dumps(padded).encode() + b" " * 4000, "exceeds the limit of 4000 bytes"),
        "lines": (json.dumps(removal_with(4)).encode(), "remaining_lines: 4 lines exceed the limit of 3"),
        "extension_keys": (
            json.dumps(wide).encode(),
            "line.extensions: 6 extension keys exceed the limit of 5",
        ),
        "string_length": (json.dumps(long_name).encode(), "line.name: string of 201 characters"),
    }


def test_records_over_each_limit_are_dead_lettered_with_reason_limit(bootstrap: str, tmp_path: Path) -> None:
    source, dlq = f"lim-{uuid.uuid4().hex[:8]}", f"lim-dlq-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, (source, 1), (dlq, 1))
    prod = producer(bootstrap)
    poison = spoiled()
    good = [cart_event("guest-ok", n) for n in range(3)] + [removal_with(3)]
    for name, (value, _) in poison.items():
        prod.produce(source, value=value, key=name.encode())
    for event in good:
        prod.produce(source, value=json.dumps(event).encode(), key=b"guest-ok")
    assert prod.flush(10) == 0
    sink = tmp_path / "processed.jsonl"
    worker = WorkerProcess(
        env={"CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": source, "CDPW_DLQ_TOPIC": dlq,
             "CDPW_KAFKA_GROUP_ID": f"g-{source}", "CDPW_SINK": "record", "CDPW_RECORD_SINK_PATH": str(sink),
             **LIMITS},
        log_path=tmp_path / "worker.log",
    ).start()  # fmt: skip
    try:
        letters = read_all(bootstrap, dlq, len(poison), timeout=30)
        deadline = time.monotonic() + 20
        while len(read_processed(sink)) < len(good) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.kill()

    by_key = {(m.key() or b"").decode(): headers_of(m) for m in letters}
    assert sorted(by_key) == sorted(poison), worker.tail()
    for name, (_, words) in poison.items():
        assert by_key[name]["cdpw.reason"] == b"limit"
        assert by_key[name]["cdpw.stage"] == b"limits"
        assert words in by_key[name]["cdpw.error.message"].decode(), by_key[name]["cdpw.error.message"]
    assert len(read_processed(sink)) == len(good)
