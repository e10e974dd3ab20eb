import asyncio
import random

from worker.runtime.lanes import KeyLanes
from worker.runtime.records import Record, Work


def _work(key: str, offset: int, partition: int = 0) -> Work:
    record = Record("t", partition, offset, key.encode(), b"v", (), 0)
    return Work(record=record, lane_key=key)


async def test_records_of_one_key_run_in_order_and_keys_run_concurrently() -> None:
    seen: dict[str, list[int]] = {}
    rng = random.Random(7)

    async def handler(work: Work) -> None:
        await asyncio.sleep(rng.uniform(0, 0.003))
        seen.setdefault(str(work.lane_key), []).append(work.record.offset)

    lanes = KeyLanes(handler, max_concurrency=50, on_drop=lambda w: None)
    for offset in range(600):
        lanes.submit(_work(f"k{offset % 30}", offset))
    while not lanes.idle:
        await asyncio.sleep(0.01)
    assert all(offsets == sorted(offsets) for offsets in seen.values())
    assert sum(len(v) for v in seen.values()) == 600
    assert lanes.peak_running > 1


async def test_concurrency_is_bounded() -> None:
    async def handler(work: Work) -> None:
        await asyncio.sleep(0.001)

    lanes = KeyLanes(handler, max_concurrency=4, on_drop=lambda w: None)
    for offset in range(100):
        lanes.submit(_work(f"k{offset}", offset))
    while not lanes.idle:
        await asyncio.sleep(0.01)
    assert lanes.peak_running == 4


async def test_revoke_drops_queued_work_and_cancels_only_the_revoked_running_one() -> None:
    started = asyncio.Event()
    done: list[int] = []
    dropped: list[int] = []

    async def handler(work: Work) -> None:
        if work.record.offset == 0:
            started.set()
            await asyncio.sleep(10)
        done.append(work.record.offset)

    lanes = KeyLanes(handler, max_concurrency=10, on_drop=lambda w: dropped.append(w.record.offset))
    lanes.submit(_work("a", 0, partition=0))
    lanes.submit(_work("a", 1, partition=0))
    lanes.submit(_work("a", 2, partition=1))
    await started.wait()
    running = lanes.revoke([("t", 0)])
    assert len(running) == 1
    running[0].cancel()
    while not lanes.idle:
        await asyncio.sleep(0.01)
    assert dropped == [1]
    assert done == [2]
