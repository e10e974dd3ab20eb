"""Dead letters: a record that can never succeed goes to the dead-letter topic, bytes untouched.

The dead letter carries the original key, value, headers and timestamp, the Kafka Connect
``__connect.errors.*`` context headers, and ours (``cdpw.*``). :meth:`DeadLetterWriter.send` returns
only once the broker confirmed the write. A write the broker did not confirm in time (an outage)
raises :class:`DeadLetterPendingError` and is tried again; one it refused for good (unknown or
forbidden topic, invalid name, record too large) raises :class:`DeadLetterError` and the worker stops
without committing the record.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from confluent_kafka import KafkaError

from worker.errors import DeadLetterError, DeadLetterPendingError, RejectedError, reason_of
from worker.runtime.records import Headers, Record

#: Producer errors that say "not now" rather than "never": the broker is unreachable or slow.
OUTAGE_CODES = frozenset({
    KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT, KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN, KafkaError.REQUEST_TIMED_OUT, KafkaError.NOT_ENOUGH_REPLICAS,
    KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND, KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION,
})  # fmt: skip
STACKTRACE_LIMIT = 8000
RESPONSE_EXCERPT_LIMIT = 1000


@dataclass(frozen=True)
class Failure:
    """Why and how a record failed, for the dead-letter headers."""

    stage: str
    error: BaseException
    attempts: int
    first_failure: float
    last_failure: float
    handler: str = "worker.runtime.engine"


class DeadLetterPort(Protocol):
    async def send(self, record: Record, failure: Failure) -> None: ...


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _enc(text: str, limit: int | None = None) -> bytes:
    return (text[:limit] if limit else text).encode("utf-8", "replace")


def _exception_headers(error: BaseException) -> list[tuple[str, bytes]]:
    trace = "".join(traceback.format_exception(error))
    cls = type(error)
    return [
        ("__connect.errors.exception.class.name", _enc(f"{cls.__module__}.{cls.__qualname__}")),
        ("__connect.errors.exception.message", _enc(str(error), 2000)),
        ("__connect.errors.exception.stacktrace", _enc(trace[-STACKTRACE_LIMIT:])),
    ]


def _http_headers(error: BaseException) -> list[tuple[str, bytes]]:
    status = getattr(error, "status", 0)
    if not status:
        return []
    headers = [("cdpw.http.status", str(status).encode())]
    if isinstance(error, RejectedError) and error.body:
        headers.append(("cdpw.http.response", _enc(error.body, RESPONSE_EXCERPT_LIMIT)))
    return headers


def dead_letter_headers(record: Record, failure: Failure, connector: str) -> list[tuple[str, bytes | None]]:
    """Original headers followed by the Kafka Connect context headers and ours."""
    error = failure.error
    cls = type(error)
    context: list[tuple[str, bytes | None]] = [
        ("__connect.errors.topic", _enc(record.topic)),
        ("__connect.errors.partition", str(record.partition).encode()),
        ("__connect.errors.offset", str(record.offset).encode()),
        ("__connect.errors.connector.name", _enc(connector)),
        ("__connect.errors.stage", _enc(failure.stage)),
        ("__connect.errors.class.name", _enc(failure.handler)),
        *_exception_headers(error),
        ("cdpw.stage", _enc(failure.stage)),
        ("cdpw.reason", _enc(reason_of(error))),
        ("cdpw.error.class", _enc(cls.__qualname__)),
        ("cdpw.error.message", _enc(str(error), 2000)),
        ("cdpw.attempts", str(failure.attempts).encode()),
        ("cdpw.first.failure", _enc(_iso(failure.first_failure))),
        ("cdpw.last.failure", _enc(_iso(failure.last_failure))),
        *_http_headers(error),
    ]
    return [*record.headers, *context]


ProduceFn = Callable[..., None]


class DeadLetterWriter:
    """Writes dead letters with a confluent-kafka producer owned by the caller.

    ``produce`` is the producer's ``produce`` method; delivery reports arrive on the producer's poll
    thread and are handed back to ``loop``.
    """

    def __init__(
        self, produce: ProduceFn, topic: str, connector: str, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._produce = produce
        self._topic = topic
        self._connector = connector
        self._loop = loop

    async def send(self, record: Record, failure: Failure) -> None:
        future: asyncio.Future[None] = self._loop.create_future()
        headers: Headers = tuple(dead_letter_headers(record, failure, self._connector))
        try:
            self._produce(
                self._topic,
                value=record.value,
                key=record.key,
                headers=list(headers),
                timestamp=record.timestamp_ms,
                on_delivery=self._reporter(future),
            )
        except Exception as exc:
            raise DeadLetterError(f"cannot write to dead-letter topic {self._topic}: {exc}") from exc
        await future

    def _reporter(self, future: asyncio.Future[None]) -> Callable[[Any, Any], None]:
        def report(err: Any, _msg: Any) -> None:
            self._loop.call_soon_threadsafe(_resolve, future, err, self._topic)

        return report


def _resolve(future: asyncio.Future[None], err: Any, topic: str) -> None:
    if future.done():
        return
    if err is None:
        future.set_result(None)
    else:
        future.set_exception(delivery_error(err, topic))


def delivery_error(err: KafkaError, topic: str) -> Exception:
    """A failed delivery report as a retryable outage or a refusal that stops the worker."""
    if err.code() in OUTAGE_CODES or err.retriable():
        return DeadLetterPendingError(f"dead-letter topic {topic} did not confirm the record yet: {err}")
    return DeadLetterError(f"dead-letter topic {topic} refused the record: {err}")
