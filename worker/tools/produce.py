"""``cdp-worker produce``: publish commerce events from a JSON-lines file in the configured wire format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from confluent_kafka import Producer

from worker.app import kafka_common
from worker.codec import build_encoder
from worker.config import load_settings
from worker.errors import DecodeError
from worker.events import event_from_dict, field_value


def produce_file(path: str, topic: str | None, key_field: str) -> int:
    """Encode and send every line of ``path``; returns 0 if every line was sent, 1 otherwise."""
    settings = load_settings()
    target = topic or settings.kafka_topics[0]
    encoder = build_encoder(settings.wire_format, settings.schema_dir, settings.schema_registry_url or None)
    producer = Producer({**kafka_common(settings), "linger.ms": 20, "enable.idempotence": True})
    sent = bad = 0
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = event_from_dict(json.loads(line))
            except (json.JSONDecodeError, DecodeError) as exc:
                print(f"{path}:{number}: {exc}", file=sys.stderr)
                bad += 1
                continue
            value, headers = encoder.encode(event)
            key = field_value(event, key_field)
            kafka_headers: list[tuple[str, str | bytes | None]] = list(headers)
            producer.produce(target, value=value, key=key.encode() if key else None, headers=kafka_headers)
            producer.poll(0)
            sent += 1
    remaining = producer.flush(30)
    print(f"sent {sent - remaining} events to {target} ({settings.wire_format}); {bad} bad lines")
    return 0 if bad == 0 and remaining == 0 else 1
