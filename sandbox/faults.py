"""Faults on demand: latency, 429 with Retry-After, 500/503, dropped connections, slow responses, outages.

A rule (JSON, as posted to ``/_sandbox/faults`` or given by ``--fault``) selects requests by API
(path prefix: ``/v1.2`` stream, ``/v2/batches`` and the upload/log URLs
batch, ``/v2.1`` rest) and optional path prefix.
The first matching rule applies: outage → latency → one uniform draw picks at most one of 429,
500, 503, drop, timeout (their probabilities add up to ≤ 1). ``/_sandbox`` is never faulted.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.fault_rules import FaultRule, parse_rule
from sandbox.jsonio import dumps

#: Path prefix → API. The self-served pre-signed upload and error-log URLs belong to the Batch flow.
API_PREFIXES = (
    ("/v1.2/", "stream"),
    ("/v2/batches", "batch"),
    ("/_upload/", "batch"),
    ("/_batchlog/", "batch"),
    ("/v2.1/", "rest"),
)
OUTCOMES = ("p429", "p500", "p503", "pdrop", "ptimeout")
INSPECTION_PREFIX = "/_sandbox"


def api_of(path: str) -> str:
    """The API a path belongs to (``other`` for anything else)."""
    for prefix, api in API_PREFIXES:
        if path.startswith(prefix):
            return api
    return "other"


@dataclass
class ActiveRule:
    """A rule with its id and what it injected so far."""

    id: int
    rule: FaultRule
    counts: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, object]:
        """The rule as listed by ``GET /_sandbox/faults``."""
        return {"id": self.id, **asdict(self.rule), "counts": dict(self.counts)}


class FaultBook:
    """The fault rules in force, their counters, and the random source that draws outcomes."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[ActiveRule] = []
        self._next_id = 1
        self.random = random.Random(seed)

    def add(self, spec: Mapping[str, object]) -> ActiveRule:
        """Validate ``spec`` (raises ``ValueError``) and append it as a rule."""
        active = ActiveRule(self._next_id, parse_rule(spec))
        self._next_id += 1
        self._rules.append(active)
        return active

    def clear(self) -> None:
        """Remove every rule (counters go with them)."""
        self._rules.clear()

    def rules(self) -> list[ActiveRule]:
        """Rules in the order they apply."""
        return list(self._rules)

    def match(self, path: str) -> ActiveRule | None:
        """The first rule that applies to ``path``, if any."""
        if not self._rules or path.startswith(INSPECTION_PREFIX):
            return None
        api = api_of(path)
        for active in self._rules:
            if active.rule.applies_to(api, path):
                return active
        return None

    def draw(self, rule: FaultRule) -> str | None:
        """Which fault (one of :data:`OUTCOMES`) to inject this time, or ``None``."""
        roll = self.random.random()
        for name in OUTCOMES:
            chance = getattr(rule, name)
            if roll < chance:
                return name
            roll -= chance
        return None


def _error_body(status: int, message: str) -> bytes:
    return dumps(
        {
            "status": status,
            "code": status,
            "message": message,
            "developerMessage": "injected fault",
            "moreInfo": "sandbox fault injection",
        }
    )


async def _respond(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = _error_body(status, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def drop_connection(send: Send) -> bool:
    """Abort the TCP connection under this request (uvicorn's cycle exposes its transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    abort: Callable[[], None] | None = getattr(transport, "abort", None)
    if abort is None:
        return False
    abort()
    for _ in range(3):  # let connection_lost mark the cycle disconnected before the app returns
        await asyncio.sleep(0)
    return True


class FaultMiddleware:
    """ASGI middleware applying the :class:`FaultBook` to every HTTP request."""

    def __init__(self, app: ASGIApp, book: FaultBook) -> None:
        self.app = app
        self.book = book

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        active = self.book.match(scope["path"]) if scope["type"] == "http" else None
        if active is None:
            await self.app(scope, receive, send)
            return
        await self._inject(active, scope, receive, send)

    async def _inject(self, active: ActiveRule, scope: Scope, receive: Receive, send: Send) -> None:
        rule, counts = active.rule, active.counts
        counts["requests"] += 1
        call = _Call(self.app, rule, scope, receive, send)
        if rule.outage:
            counts["outage"] += 1
            await _unavailable(call)
            return
        delay = rule.latency_seconds(self.book.random)
        if delay > 0:
            counts["latency"] += 1
            await asyncio.sleep(delay)
        outcome = self.book.draw(rule)
        if outcome is not None:
            counts[outcome[1:]] += 1
        await _OUTCOME_HANDLERS.get(outcome, _forward)(call)


@dataclass(frozen=True)
class _Call:
    """One faulted request: the app behind the middleware and the ASGI triple."""

    app: ASGIApp
    rule: FaultRule
    scope: Scope
    receive: Receive
    send: Send


async def _forward(call: _Call) -> None:
    await call.app(call.scope, call.receive, call.send)


async def _too_many(call: _Call) -> None:
    await _respond(
        call.send, 429, "Too Many Requests", [(b"retry-after", str(call.rule.retry_after).encode())]
    )


async def _internal(call: _Call) -> None:
    await _respond(call.send, 500, "Could not process the request", [])


async def _unavailable(call: _Call) -> None:
    await _respond(call.send, 503, "Service temporarily unavailable", [])


async def _drop(call: _Call) -> None:
    if not await drop_connection(call.send):
        # Not under uvicorn (e.g. an in-process test client): start a response and never finish it.
        await call.send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
        )


async def _slow(call: _Call) -> None:
    await asyncio.sleep(call.rule.timeout_ms / 1000)
    await _forward(call)


_OUTCOME_HANDLERS: dict[str | None, Callable[[_Call], Awaitable[None]]] = {
    "p429": _too_many,
    "p500": _internal,
    "p503": _unavailable,
    "pdrop": _drop,
    "ptimeout": _slow,
}
