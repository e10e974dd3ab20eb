"""In-memory stand-ins for the Stream API and the state topic, for the sink's unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from worker.plans import Step, StreamContext


@dataclass
class Sent:
    browser: str
    name: str
    event: str


@dataclass
class FakeStream:
    """Accepts every event unless ``failures`` (by 0-based send number) says otherwise."""

    sent: list[Sent] = field(default_factory=list)
    browsers: int = 0
    failures: dict[int, Exception] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    attempts: int = 0
    on_send: Callable[[Step], None] | None = None
    #: Send numbers after which the worker "dies": CDP got the event, the worker never saw the answer.
    crash_after: set[int] = field(default_factory=set)

    async def create_browser(self) -> str:
        self.browsers += 1
        return f"new-{self.browsers}"

    async def send(self, step: Step, context: StreamContext, browser_id: str) -> None:
        from worker.cdp.errors import UnknownBrowserError  # noqa: PLC0415  (test helper keeps imports local)

        number = self.attempts
        self.attempts += 1
        await asyncio.sleep(0)  # let other tasks run, as a real request would
        if browser_id in self.unknown:
            raise UnknownBrowserError("unknown browser", status=404)
        if number in self.failures:
            raise self.failures.pop(number)
        if self.on_send is not None:
            self.on_send(step)
        self.sent.append(Sent(browser_id, step.name, step.event.value))
        if number in self.crash_after:
            raise Crash

    async def aclose(self) -> None:
        return None

    def events(self) -> list[str]:
        return [sent.event for sent in self.sent]


@dataclass
class FakeState:
    """A state topic: the latest value per (partition, key), plus every write in order."""

    tables: dict[int, dict[str, bytes]] = field(default_factory=dict)
    writes: list[tuple[int, str, bytes]] = field(default_factory=list)

    async def prepare(self) -> None:
        return None

    async def load(self, partitions: list[int]) -> dict[int, dict[str, bytes]]:
        return {p: dict(self.tables.get(p, {})) for p in partitions}

    async def save(self, partition: int, key: str, value: bytes) -> None:
        self.tables.setdefault(partition, {})[key] = value
        self.writes.append((partition, key, value))

    async def aclose(self) -> None:
        return None


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs (not an Exception, so nothing handles it)."""


@dataclass
class FakeProbe:
    """Answers whether CDP holds an order from the references the stream accepted CHECKOUTs for."""

    stream: FakeStream
    asked: list[str] = field(default_factory=list)
    #: Answer "cannot tell" (CDP's REST API unreachable).
    blind: bool = False

    async def exists(self, reference_id: str) -> bool | None:
        self.asked.append(reference_id)
        if self.blind:
            return None
        return any(sent.event in ("CHECKOUT", "ORDER_CHECKOUT") for sent in self.stream.sent)

    async def aclose(self) -> None:
        return None
