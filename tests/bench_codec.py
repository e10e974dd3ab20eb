"""Codec micro benchmark: decodes (and encodes) per second per wire format. Prints, asserts nothing.

    .venv/bin/python -m tests.bench_codec [seconds-per-case]

The avro-registry case uses an in-process ``mock://`` registry: after the first record the writer
schema is cached, so the figure is the steady-state decode cost.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from worker.codec import WIRE_FORMATS, build_decoder, build_encoder
from worker.events import event_from_dict

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
CASES = ("CartItemAdded", "OrderPlaced")


def _rate(action: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``action`` over about ``seconds``."""
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(200):
            action()
        calls += 200
    return calls / elapsed


def main(argv: list[str]) -> int:
    """Print one line per (format, event type)."""
    seconds = float(argv[0]) if argv else 1.0
    print(f"{'format':<14} {'event':<14} {'bytes':>6} {'decode/s':>10} {'encode/s':>10}")
    for wire_format in WIRE_FORMATS:
        url = f"mock://{uuid.uuid4().hex}" if wire_format == "avro-registry" else None
        encoder = build_encoder(wire_format, SCHEMA_DIR, url)
        decoder = build_decoder(wire_format, SCHEMA_DIR, url)
        for name in CASES:
            event = event_from_dict(json.loads((SCHEMA_DIR / "examples" / f"{name}.json").read_text("utf-8")))
            value, headers = encoder.encode(event)
            decodes = _rate(lambda: decoder.decode(value, headers), seconds)  # noqa: B023 (used inside the loop)
            encodes = _rate(lambda: encoder.encode(event), seconds)  # noqa: B023 (used inside the loop)
            print(f"{wire_format:<14} {name:<14} {len(value):>6} {decodes:>10,.0f} {encodes:>10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
