"""``cdp-worker backfill --file orders.jsonl``: historical orders straight to the Batch API.

Each line is a commerce order event (OrderImported, OrderPlaced, OrderUpdated...; OrderDeleted
becomes a Batch delete) in the JSON form. Lines go through the same Batch uploader as the worker
(files cut at ``CDPW_BATCH_MAX_RECORDS`` and split at ``CDPW_BATCH_MAX_BYTES`` gzipped, one upload at
a time, statuses polled, error logs read), with a progress bar on stderr and a final report of
accepted and rejected records. Rejected lines (with CDP's log line) can be written to a file.
Exit code 0 when every line was accepted, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from worker.cdp.batch import BatchUploader
from worker.config import Settings, load_settings
from worker.errors import PermanentError, TransientError, WorkerError
from worker.events import event_from_dict
from worker.mapping.corrections import Action, action_for
from worker.runtime.records import Record
from worker.runtime.router_sink import build_batch_uploader

TOPIC = "backfill"
BAR_WIDTH = 30
#: Uploads tried per record before it is reported rejected (a failed file fails all its records).
ATTEMPTS = 5


@dataclass
class Report:
    """What happened to the file's lines."""

    total: int = 0
    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.accepted + len(self.rejected)

    def summary(self) -> str:
        return f"backfill: {self.total} records, {self.accepted} accepted, {len(self.rejected)} rejected"


def read_actions(path: Path, report: Report, default_pos: str) -> Iterator[tuple[int, Action]]:
    """``(line number, action)`` for every valid line; invalid lines are rejected in ``report``."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            report.total += 1
            try:
                yield number, action_for(event_from_dict(json.loads(line)), default_pos)
            except (json.JSONDecodeError, WorkerError) as exc:
                report.rejected.append((number, f"invalid: {exc}"))


def progress(report: Report, out: IO[str]) -> None:
    """One carriage-returned progress line: bar, records done of total, accepted, rejected."""
    share = report.done / report.total if report.total else 1.0
    filled = int(share * BAR_WIDTH)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    out.write(
        f"\r[{bar}] {report.done}/{report.total} accepted {report.accepted} rejected {len(report.rejected)}"
    )
    out.flush()


async def _send(uploader: BatchUploader, number: int, action: Action, report: Report, out: IO[str]) -> None:
    record = Record(TOPIC, 0, number, None, None, (), 0)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await uploader.submit(record, action)
        except PermanentError as exc:
            report.rejected.append((number, str(getattr(exc, "body", "") or exc)))
        except TransientError:
            await asyncio.sleep(min(2.0**attempt, 30.0))
            continue
        else:
            report.accepted += 1
        progress(report, out)
        return
    report.rejected.append((number, f"gave up after {ATTEMPTS} failed uploads"))


async def backfill_async(path: Path, settings: Settings, rejected_path: Path | None, out: IO[str]) -> Report:
    """Send every line of ``path`` through the Batch uploader; the report of what CDP accepted."""
    report = Report()
    actions = list(read_actions(path, report, settings.cdp_point_of_sale))
    uploader = build_batch_uploader(settings, None)
    try:
        await asyncio.gather(*(_send(uploader, n, a, report, out) for n, a in actions))
    finally:
        await uploader.aclose()
    progress(report, out)
    out.write("\n")
    if rejected_path is not None:
        with rejected_path.open("w", encoding="utf-8") as sink:
            for number, reason in sorted(report.rejected):
                sink.write(json.dumps({"line": number, "reason": reason}) + "\n")
    return report


def backfill(file: str, rejected: str | None) -> int:
    """The ``backfill`` subcommand; exit code 0 when every record was accepted."""
    settings = load_settings()
    report = asyncio.run(
        backfill_async(Path(file), settings, Path(rejected) if rejected else None, sys.stderr)
    )
    print(report.summary())
    for number, reason in sorted(report.rejected)[:20]:
        print(f"  line {number}: {reason[:300]}")
    return 0 if not report.rejected else 1
