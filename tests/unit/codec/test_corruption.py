"""Whatever bytes arrive, decoding either yields a valid event or raises a worker DecodeError."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.unit.codec.conftest import EVENT_TYPES, SCHEMA_DIR, example
from worker.codec import WIRE_FORMATS, build_decoder, build_encoder
from worker.errors import DecodeError
from worker.events import EVENT_TYPES as TYPES
from worker.events import event_from_dict


def _mutations(value: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Byte flips, truncations and insertions of ``value``."""
    out = []
    for _ in range(count):
        data = bytearray(value)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.6:
                data[position] = rng.randrange(256)
            elif choice < 0.8:
                del data[position:]
                if not data:
                    data.append(0)
            else:
                data.insert(position, rng.randrange(256))
        out.append(bytes(data))
    return out


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
def test_mutated_values_never_leak_a_foreign_exception(wire_format: str) -> None:
    url = f"mock://{uuid.uuid4().hex}" if wire_format == "avro-registry" else None
    encoder = build_encoder(wire_format, SCHEMA_DIR, url)
    decoder = build_decoder(wire_format, SCHEMA_DIR, url)
    rng = random.Random(20261127)
    outcomes = {"event": 0, "error": 0, "silent": 0}
    for event_type in EVENT_TYPES:
        value, headers = encoder.encode(event_from_dict(example(event_type)))
        for mutated in _mutations(value, rng, 60):
            try:
                event = decoder.decode(mutated, headers)
            except DecodeError as exc:
                outcomes["error" if str(exc) else "silent"] += 1
            else:
                assert type(event) is TYPES[event.event_type]
                outcomes["event"] += 1
    assert outcomes["error"] > 0
    assert outcomes["silent"] == 0
