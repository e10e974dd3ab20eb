"""Batch uploader: collects records from many lanes into gzipped NDJSON files and uploads them one at a time.

A caller's :meth:`BatchUploader.submit` adds its record to the open file and awaits that file's
outcome, so a record counts as finished (and its offset becomes committable) only once its batch
reached a terminal state: ``success`` → done; ``error`` → the records named in the error log raise
:class:`BatchRecordRejectedError` (dead letter, the log line in the headers), the others are done;
``corrupted``, an outage or a timeout → :class:`BatchTransientError` for every record of the file
(the engine retries them; upserts and deletes are idempotent).

A file is sent when it holds ``max_records`` records, when its oldest record waited ``max_age_s``,
or when a record for an order already in the file arrives (CDP wants one record per order and file).
A file whose gzip exceeds ``max_bytes`` is split in halves. Only one upload is in flight per
uploader (CDP: one file at a time per tenant); an allocation refused because another batch is
still processing is retried. An expired pre-signed URL is replaced by a new allocation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from worker.cdp.batch_api import BatchApi, BatchBusyError, BatchStatus
from worker.cdp.batch_file import LogLine, PackedFile, batch_record, ndjson_line, pack, record_ref
from worker.cdp.rest_errors import BatchRejectedError, BatchTransientError
from worker.mapping.corrections import Action, Delete
from worker.metrics import Metrics
from worker.runtime.records import Record

log = logging.getLogger("worker.cdp.batch")
TERMINAL = frozenset({"success", "error", "corrupted"})


class BatchRecordRejectedError(BatchRejectedError):
    """CDP's error log names this record: dead letter with the log line."""

    reason = "batch_record_failed"


@dataclass(frozen=True)
class BatchOptions:
    """Tunables of the uploader (from :class:`worker.config.Settings`)."""

    max_records: int = 5000
    max_bytes: int = 50 * 1024 * 1024
    max_age_s: float = 2.0
    poll_base_s: float = 0.2
    poll_max_s: float = 60.0
    timeout_s: float = 1800.0
    allocate_attempts: int = 3


@dataclass
class _Entry:
    ref: str
    key: str
    line: bytes
    done: asyncio.Future[LogLine | None]


@dataclass
class _File:
    entries: list[_Entry] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    opened: float = 0.0


class BatchUploader:
    """See the module docstring. ``sleep`` and ``clock`` are injected for tests."""

    def __init__(self, api: BatchApi, options: BatchOptions, metrics: Metrics | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:  # fmt: skip
        self._api = api
        self._options = options
        self._metrics = metrics
        self._sleep = sleep
        self._open = _File()
        self._ready: list[_File] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, record: Record, action: Action) -> None:
        """Send ``action`` in a Batch file; returns once its batch succeeded for this record."""
        key = _order_key(action)
        ref = record_ref(record.topic, record.partition, record.offset, key)
        outcome = await self._enqueue(ref, key, ndjson_line(batch_record(ref, action)))
        self._count_record("accepted" if outcome is None else "rejected")
        if outcome is not None:
            raise BatchRecordRejectedError(
                f"Batch error log: code {outcome.code}: {outcome.message}",
                status=int(outcome.code) if outcome.code.isdigit() else 0,
                body=outcome.raw,
            )

    async def _enqueue(self, ref: str, key: str, line: bytes) -> LogLine | None:
        self._start()
        if key in self._open.keys:
            self._seal()
        loop = asyncio.get_running_loop()
        if not self._open.entries:
            self._open.opened = loop.time()
        entry = _Entry(ref, key, line, loop.create_future())
        self._open.entries.append(entry)
        self._open.keys.add(key)
        if len(self._open.entries) >= self._options.max_records:
            self._seal()
        self._wake.set()
        return await asyncio.shield(entry.done)

    def _seal(self) -> None:
        if self._open.entries:
            self._ready.append(self._open)
            self._open = _File()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="batch-uploader")

    async def _run(self) -> None:
        while True:
            await self._next_file_due()
            if self._ready:
                await self._send(self._ready.pop(0))

    async def _next_file_due(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._ready:
            if self._open.entries:
                due = self._open.opened + self._options.max_age_s - loop.time()
                if due <= 0:
                    self._seal()
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), due)
            else:
                await self._wake.wait()
            self._wake.clear()

    async def _send(self, file: _File) -> None:
        try:
            for part in self._split(file.entries):
                outcomes = await self._upload(part)
                _settle(part, outcomes)
        except Exception as exc:  # noqa: BLE001  (every failure of a file fails its records, which retry)
            error = (
                exc if isinstance(exc, BatchTransientError) else BatchTransientError(f"Batch upload: {exc!r}")
            )
            log.warning("batch upload failed: %s", error)
            self._count_upload("failed")
            for entry in file.entries:
                if not entry.done.done():
                    entry.done.set_exception(error)

    def _split(self, entries: list[_Entry]) -> list[list[_Entry]]:
        """Parts of ``entries`` whose gzip fits ``max_bytes`` (halving until each does)."""
        packed = pack(entry.line for entry in entries)
        if packed.size <= self._options.max_bytes or len(entries) == 1:
            return [entries]
        middle = len(entries) // 2
        return self._split(entries[:middle]) + self._split(entries[middle:])

    async def _upload(self, entries: list[_Entry]) -> dict[str, LogLine]:
        packed = pack(entry.line for entry in entries)
        status = await self._allocate_and_put(packed)
        final = await self._poll(status.ref)
        self._count_upload(final.code)
        if final.code == "success":
            return {}
        if final.code == "error" and final.log:
            return await self._api.error_log(final.log)
        raise BatchTransientError(f"Batch {status.ref} ended {final.code}")

    async def _allocate(self, packed: PackedFile) -> BatchStatus:
        waited, delay = 0.0, self._options.poll_base_s
        while True:
            try:
                return await self._api.allocate(str(uuid.uuid4()), packed)
            except BatchBusyError:
                if waited >= self._options.timeout_s:
                    raise
            await self._sleep(delay)
            waited, delay = waited + delay, min(delay * 2, self._options.poll_max_s)

    async def _allocate_and_put(self, packed: PackedFile) -> BatchStatus:
        for attempt in range(1, self._options.allocate_attempts + 1):
            status = await self._allocate(packed)
            if await self._api.put_file(status.location, packed):
                return status
            log.warning("pre-signed upload URL expired; allocating again", extra={"attempt": attempt})
        raise BatchTransientError("Batch upload URL kept expiring")

    async def _poll(self, batch_ref: str) -> BatchStatus:
        waited, delay = 0.0, self._options.poll_base_s
        while waited < self._options.timeout_s:
            await self._sleep(delay)
            waited += delay
            status = await self._api.status(batch_ref)
            if status.code in TERMINAL:
                return status
            delay = min(delay * 2, self._options.poll_max_s)
        raise BatchTransientError(f"Batch {batch_ref} not finished after {self._options.timeout_s}s")

    def _count_record(self, status: str) -> None:
        if self._metrics is not None:
            self._metrics.batch_records.labels(status=status).inc()

    def _count_upload(self, status: str) -> None:
        if self._metrics is not None:
            self._metrics.batch_uploads.labels(status=status).inc()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._api.aclose()


def _settle(entries: list[_Entry], outcomes: dict[str, LogLine]) -> None:
    if "null" in outcomes:
        # Our lines are always valid JSON; a line CDP could not attribute is logged, not guessed at.
        log.error("Batch error log line without a record ref: %s", outcomes["null"].raw)
    for entry in entries:
        if not entry.done.done():
            entry.done.set_result(outcomes.get(entry.ref))


def _order_key(action: Action) -> str:
    return action.reference_id if isinstance(action, Delete) else action.order.reference_id
