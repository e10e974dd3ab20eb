"""Batch uploader over a fake Batch API: flush rules, one upload at a time, terminal states, log mapping."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass, field

import orjson
import pytest

from tests.unit.batch.conftest import EventBuilder
from worker.cdp.batch import BatchOptions, BatchRecordRejectedError, BatchUploader
from worker.cdp.batch_api import BatchBusyError, BatchStatus
from worker.cdp.batch_file import LogLine, PackedFile, batch_record, ndjson_line, pack
from worker.cdp.rest_errors import BatchTransientError
from worker.mapping.corrections import Action, action_for
from worker.runtime.records import Record


@dataclass
class FakeApi:
    """Records uploaded files; ``script`` gives each file's terminal status (default success)."""

    script: list[str] = field(default_factory=list)
    busy: int = 0
    expired: int = 0
    failing: set[int] = field(default_factory=set)
    files: list[list[dict[str, object]]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    polls: int = 0

    async def allocate(self, batch_ref: str, packed: PackedFile) -> BatchStatus:
        if self.busy:
            self.busy -= 1
            raise BatchBusyError("Batch x is still processing", status=400)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        return BatchStatus(batch_ref, "uploading", f"https://s3/{batch_ref}", None)

    async def put_file(self, url: str, packed: PackedFile) -> bool:
        if self.expired:
            self.expired -= 1
            self.in_flight -= 1
            return False
        lines = gzip.decompress(packed.data).splitlines()
        self.files.append([orjson.loads(line) for line in lines])
        return True

    async def status(self, batch_ref: str) -> BatchStatus:
        self.polls += 1
        if self.polls % 2:
            return BatchStatus(batch_ref, "processing", "", None)
        self.in_flight -= 1
        code = self.script.pop(0) if self.script else "success"
        return BatchStatus(batch_ref, code, "", "https://s3/log" if code == "error" else None)

    async def error_log(self, url: str) -> dict[str, LogLine]:
        refs = [str(r["ref"]) for r in self.files[-1]]
        failed = [refs[i] for i in sorted(self.failing) if i < len(refs)]
        return {
            ref: LogLine(ref, "400", "Validation error", f'{{"ref":"{ref}","code":"400"}}') for ref in failed
        }

    async def aclose(self) -> None:
        return None


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def record(offset: int) -> Record:
    return Record(topic="t", partition=0, offset=offset, key=b"k", value=b"{}", headers=(), timestamp_ms=0)


def actions(build: EventBuilder, count: int) -> list[Action]:
    return [action_for(build("OrderImported", **{"order.order_id": f"A-{n}"})) for n in range(count)]


def uploader(api: FakeApi, **options: object) -> BatchUploader:
    settings = BatchOptions(**{"max_age_s": 0.05, "poll_base_s": 0.01, **options})  # type: ignore[arg-type]  # test overrides
    return BatchUploader(api, settings, sleep=no_sleep)  # type: ignore[arg-type]  # FakeApi is structurally a BatchApi


async def submit_all(up: BatchUploader, todo: list[Action]) -> list[BaseException | None]:
    results = await asyncio.gather(
        *(up.submit(record(n), a) for n, a in enumerate(todo)), return_exceptions=True
    )
    return list(results)


async def test_concurrent_records_share_files_cut_by_count(build: EventBuilder) -> None:
    api = FakeApi()
    up = uploader(api, max_records=4)
    assert await submit_all(up, actions(build, 10)) == [None] * 10
    assert [len(f) for f in api.files] == [4, 4, 2]
    assert api.most_in_flight == 1
    await up.aclose()


async def test_a_second_record_for_the_same_order_goes_to_the_next_file(build: EventBuilder) -> None:
    api = FakeApi()
    up = uploader(api)
    same = action_for(build("OrderImported"))
    assert await submit_all(up, [same, same]) == [None, None]
    assert [len(f) for f in api.files] == [1, 1]
    await up.aclose()


async def test_error_log_lines_reject_only_their_records(build: EventBuilder) -> None:
    api = FakeApi(script=["error"], failing={1})
    up = uploader(api)
    results = await submit_all(up, actions(build, 3))
    assert results[0] is None
    assert results[2] is None
    rejected = results[1]
    assert isinstance(rejected, BatchRecordRejectedError)
    assert rejected.status == 400
    assert rejected.body.startswith('{"ref":')
    await up.aclose()


async def test_a_corrupted_batch_fails_every_record_transiently(build: EventBuilder) -> None:
    api = FakeApi(script=["corrupted"])
    up = uploader(api)
    results = await submit_all(up, actions(build, 2))
    assert all(isinstance(r, BatchTransientError) for r in results)
    assert await submit_all(up, actions(build, 1)) == [None]
    await up.aclose()


async def test_busy_tenant_and_expired_url_are_waited_out(build: EventBuilder) -> None:
    api = FakeApi(busy=2, expired=1)
    up = uploader(api)
    assert await submit_all(up, actions(build, 2)) == [None, None]
    assert len(api.files) == 1
    await up.aclose()


async def test_a_file_over_the_size_limit_is_split(build: EventBuilder) -> None:
    todo = actions(build, 8)
    whole = pack(ndjson_line(batch_record(str(n), a)) for n, a in enumerate(todo)).size
    api = FakeApi()
    up = uploader(api, max_bytes=whole // 2)
    assert await submit_all(up, todo) == [None] * 8
    assert len(api.files) > 2
    assert sum(len(f) for f in api.files) == 8
    await up.aclose()


async def test_records_keep_their_refs_across_retries(build: EventBuilder) -> None:
    api = FakeApi(script=["corrupted"])
    up = uploader(api)
    todo = actions(build, 1)
    with pytest.raises(BatchTransientError):
        await up.submit(record(7), todo[0])
    await up.submit(record(7), todo[0])
    assert api.files[0][0]["ref"] == api.files[1][0]["ref"]
    await up.aclose()
