"""What holds a run up when records stay unfinished: the records past each partition's committed offset
and every running worker's metrics (saved next to its log), so a failed run names what to look at."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.chaos.rig import WorkerPool
from tests.chaos.verdict import read_topic
from tests.support.kafka import committed

#: At most this many unfinished records are listed in the figures.
LISTED = 20


def unfinished(bootstrap: str, topic: str, group: str, partitions: int) -> list[dict[str, Any]]:
    """The source records at or past their partition's committed offset, in (partition, offset) order."""
    offsets = committed(bootstrap, group, topic, partitions)
    found = []
    for message in read_topic(bootstrap, topic):
        partition, offset = message.partition() or 0, message.offset() or 0
        if offset >= max(offsets.get(partition, 0), 0):
            key = (message.key() or b"").decode(errors="replace")
            found.append({"partition": partition, "offset": offset, "key": key,
                          "event_type": _event_type(message.value())})  # fmt: skip
    return sorted(found, key=lambda item: (item["partition"], item["offset"]))[:LISTED]


def _event_type(value: bytes | None) -> str:
    try:
        return str(json.loads(value or b"").get("event_type"))
    except (ValueError, AttributeError):  # poison, Avro, or not an object
        return "?"


def save_metrics(pool: WorkerPool) -> list[str]:
    """Each running worker's /metrics text in ``metrics-<its log name>.txt``; returns the files written."""
    written = []
    for worker in pool.running.values():
        path = worker.log_path.with_name(f"metrics-{worker.log_path.stem}.txt")
        try:
            path.write_text(httpx.get(f"{worker.url}/metrics", timeout=5).text, encoding="utf-8")
        except httpx.HTTPError as exc:
            path.write_text(f"no metrics: {exc}\n", encoding="utf-8")
        written.append(path.name)
    return written
