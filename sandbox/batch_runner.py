"""Asynchronous processing of uploaded Batch files inside the sandbox process.

After an upload the batch is ``file_uploaded``; a task waits the configured delay, checks MD5 and
size (``corrupted``), gunzips (``error`` without a log when that fails), moves to ``processing``,
waits again, applies every record and ends ``success`` or ``error`` with a gzipped NDJSON log.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson

from sandbox.app import AppContext
from sandbox.batch_apply import Appliers, RecordApplier, appliers
from sandbox.batch_file import LogLine, Record, gunzip, gzip_lines, is_intact, parse_line, split_lines
from sandbox.batch_records import entity_key, value_problems
from sandbox.batch_repo import BatchRepo
from sandbox.batch_state import IN_FLIGHT, Batch, Stats
from sandbox.rest_options import RestBatchOptions

#: Records applied between yields to the event loop (keeps the sandbox responsive on big files).
YIELD_EVERY = 200
#: Largest accepted uncompressed file, as a multiple of the gzipped size limit.
INFLATE_FACTOR = 20

_log = logging.getLogger(__name__)


class BatchRunner:
    """Schedules and runs batch processing; one per app."""

    def __init__(self, ctx: AppContext, options: RestBatchOptions, repo: BatchRepo) -> None:
        self.ctx = ctx
        self.options = options
        self.repo = repo
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._resumed = False

    def schedule(self, ref: str) -> None:
        """Process batch ``ref`` in the background (no-op when already running)."""
        if ref not in self._tasks:
            task = asyncio.get_running_loop().create_task(self._run(ref))
            self._tasks[ref] = task
            task.add_done_callback(lambda _: self._tasks.pop(ref, None))

    def reset(self) -> None:
        """Cancel every running batch (``POST /_sandbox/reset`` emptied the store under them)."""
        for task in list(self._tasks.values()):
            task.cancel()
        self._tasks.clear()

    def resume(self) -> None:
        """Once per process: reschedule batches a previous run left unfinished (restart with --db)."""
        if self._resumed:
            return
        self._resumed = True
        for batch in self.repo.all():
            if batch.status in IN_FLIGHT:
                self.schedule(batch.ref)

    def _save(self, batch: Batch, status: str, stats: Stats | None = None, has_log: bool = False) -> Batch:
        return self.repo.save(batch.moved_to(status, self.ctx.now_iso(), stats, has_log))

    async def _run(self, ref: str) -> None:
        try:
            await self._process(ref)
        except Exception:  # noqa: BLE001  (a sandbox bug must not kill the loop; the batch stays visible)
            _log.exception("batch %s failed", ref)

    async def _process(self, ref: str) -> None:
        await asyncio.sleep(self.options.batch_processing_delay_s)
        batch = self.repo.get(ref)
        if batch is None or batch.status not in IN_FLIGHT:
            return
        data = self.repo.upload(ref)
        if batch.status == "file_uploaded" and not is_intact(data, batch.checksum, batch.size):
            self._save(batch, "corrupted")
            return
        text = gunzip(data, self.options.batch_max_file_bytes * INFLATE_FACTOR)
        if text is None:
            self._save(batch, "error")
            return
        if batch.status == "file_uploaded":
            batch = self._save(batch, "processing")
            await asyncio.sleep(self.options.batch_processing_delay_s)
        await self._finish(batch, split_lines(text))

    async def _finish(self, batch: Batch, lines: list[bytes]) -> None:
        started = time.monotonic()
        failures = await self.apply_all(lines)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        stats = Stats(elapsed_ms, len(lines), len(lines) - len(failures), len(failures))
        if failures:
            self.repo.put_log(batch.ref, gzip_lines([self._log_json(f) for f in failures]))
        self._save(batch, "error" if failures else "success", stats, has_log=bool(failures))

    def _log_json(self, line: LogLine) -> bytes:
        code: str | int = str(line.code) if self.options.batch_log_code_as_string else line.code
        return orjson.dumps({"ref": line.ref, "code": code, "message": line.message})

    async def apply_all(self, lines: list[bytes]) -> list[LogLine]:
        """Apply every line in file order; return the error-log entries of the failed ones."""
        table = appliers(RecordApplier(self.ctx))
        seen: set[str] = set()
        failures: list[LogLine] = []
        for number, line in enumerate(lines):
            failure = self._apply_line(line, table, seen)
            failures += [failure] if failure is not None else []
            if number % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)
        return failures

    def _apply_line(self, line: bytes, table: Appliers, seen: set[str]) -> LogLine | None:
        parsed = parse_line(line, self.options.batch_record_ref_v3_v5_only)
        if isinstance(parsed, LogLine):
            return parsed
        problems = value_problems(parsed, self.options)
        if problems:
            return LogLine(parsed.ref, 400, "Validation error: " + "; ".join(problems))
        key = entity_key(parsed)
        if key is not None and key in seen and self.options.batch_reject_duplicate_entities:
            return LogLine(parsed.ref, 400, "Validation error: the same entity appears twice in this file")
        if key is not None:
            seen.add(key)
        return self._applied(parsed, table)

    def _applied(self, record: Record, table: Appliers) -> LogLine | None:
        apply = table[(record.schema, record.mode)]
        try:
            return apply(record)
        except Exception:  # noqa: BLE001  (one broken record must not abort the file: CDP logs it)
            _log.exception("batch record %s failed", record.ref)
            return LogLine(record.ref, 500, "Internal error")
