"""The port that acts on a decoded record, and the sinks that need no CDP.

* :class:`LogSink` logs one line per event (a dry run of the pipeline).
* :class:`RecordSink` appends one JSON line per processed record to a file, after an optional
  delay; tests and benchmarks read it to prove ordering and at-least-once delivery.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from pathlib import Path
from typing import IO, Protocol

from worker.events import Event
from worker.runtime.records import Record

log = logging.getLogger("worker.sink")


class Sink(Protocol):
    """Acts on one event. Raises a :class:`worker.errors.WorkerError` subclass to decide the fate."""

    async def process(self, record: Record, event: Event) -> None: ...

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        """Partitions were assigned; called before any of their records is consumed (restore state here)."""

    async def aclose(self) -> None: ...


class LogSink:
    """Logs each event at INFO level."""

    async def process(self, record: Record, event: Event) -> None:
        log.info(
            "event %s %s from %s/%d@%d",
            event.event_type,
            event.event_id,
            record.topic,
            record.partition,
            record.offset,
        )

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:  # noqa: ARG002  (no state to restore)
        return None

    async def aclose(self) -> None:
        return None


class RecordSink:
    """Appends one JSON line per record (topic, partition, offset, key, event id and type, start and
    finish on the monotonic clock) to a file.

    Each line is flushed before the record counts as processed, so a killed worker leaves a file that
    lists every record it finished (plus perhaps one torn last line).
    """

    def __init__(
        self, path: Path, delay_ms: tuple[float, float] = (0.0, 0.0), seed: int | None = None
    ) -> None:
        self._path = path
        self._delay = delay_ms
        self._rng = random.Random(seed)
        self._file: IO[str] | None = None

    async def process(self, record: Record, event: Event) -> None:
        started = time.monotonic()
        low, high = self._delay
        if high > 0:
            await asyncio.sleep(self._rng.uniform(low, high) / 1000)
        if self._file is None:
            self._file = self._path.open("a", encoding="utf-8")
        line = {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key.decode("utf-8", "replace") if record.key is not None else None,
            "event_id": str(event.event_id),
            "event_type": event.event_type,
            "started": started,
            "finished": time.monotonic(),
        }
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:  # noqa: ARG002  (no state to restore)
        return None

    async def aclose(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
