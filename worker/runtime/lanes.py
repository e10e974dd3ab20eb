"""Key lanes: records of one ordering key run strictly one after another; different keys run concurrently.

Each key with work gets a lane (a queue and one task that drains it). At most ``max_concurrency``
records are being handled at once across all lanes. A record of a revoked partition that has not
started is dropped from its lane (its new owner will read it again); one that is running can be
cancelled without disturbing the rest of its lane.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from worker.runtime.records import Work

Handler = Callable[[Work], Coroutine[Any, Any, None]]


class KeyLanes:
    """Runs ``handler`` on each submitted work item, in submission order per lane key."""

    def __init__(self, handler: Handler, max_concurrency: int, on_drop: Callable[[Work], None]) -> None:
        self._handler = handler
        self._on_drop = on_drop
        self._slots = asyncio.Semaphore(max_concurrency)
        self._lanes: dict[object, deque[Work]] = {}
        self._running: dict[object, tuple[Work, asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.peak_running = 0

    def submit(self, work: Work) -> None:
        """Queue ``work`` behind earlier work of its key, or start a lane for it."""
        lane = self._lanes.get(work.lane_key)
        if lane is not None:
            lane.append(work)
            return
        self._idle.clear()
        self._lanes[work.lane_key] = deque((work,))
        task = asyncio.create_task(self._drain(work.lane_key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: object) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                work = lane[0]
                if work.revoked:
                    self._on_drop(work)
                else:
                    await self._run_one(key, work)
                lane.popleft()
        finally:
            del self._lanes[key]
            if not self._lanes:
                self._idle.set()

    async def _run_one(self, key: object, work: Work) -> None:
        async with self._slots:
            task = asyncio.create_task(self._handler(work))
            self._running[key] = (work, task)
            self.peak_running = max(self.peak_running, len(self._running))
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not work.revoked:
                    task.cancel()
                    raise
            finally:
                self._running.pop(key, None)

    def revoke(self, partitions: Iterable[tuple[str, int]]) -> list[asyncio.Task[None]]:
        """Drop queued work of ``partitions``; return the tasks still running for them."""
        revoked = set(partitions)
        running = []
        for key, lane in self._lanes.items():
            for work in lane:
                if work.record.tp in revoked:
                    work.revoked = True
            current = self._running.get(key)
            if current and current[0].record.tp in revoked:
                running.append(current[1])
        return running

    @property
    def blocked_keys(self) -> int:
        """Keys with at least one record waiting behind a running one."""
        return sum(1 for lane in self._lanes.values() if len(lane) > 1)

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def idle(self) -> bool:
        return not self._lanes

    async def wait_idle(self) -> None:
        """Return once no lane has work."""
        await self._idle.wait()

    async def close(self) -> None:
        """Cancel every lane (used on a hard stop)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
