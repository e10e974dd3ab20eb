"""The error tree. An error's class decides a record's fate, in one place (:func:`fate_of`).

* ``PermanentError`` and subclasses: the record can never succeed → dead-letter topic.
* ``TransientError``: an outage (timeout, 5xx, 429, connection) → retry with backoff.
* ``FatalError``: configuration or infrastructure that makes going on unsafe → stop the worker.
"""

from __future__ import annotations

import enum


class Fate(enum.Enum):
    """What happens to a record whose processing raised."""

    RETRY = "retry"
    DEAD_LETTER = "dead_letter"
    STOP = "stop"


class WorkerError(Exception):
    """Base of every error the worker raises on purpose."""

    #: Low-cardinality label used in metrics and dead-letter headers.
    reason: str = "error"


class PermanentError(WorkerError):
    """The record can never succeed as it is: it goes to the dead-letter topic."""

    reason = "permanent"


class DecodeError(PermanentError):
    """The record's bytes could not be turned into a valid event.

    ``path`` names the field (``lines[2].unit_price``) or is empty when the whole value is at fault.
    """

    reason = "decode"

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class UnknownSchemaError(DecodeError):
    """The schema id or event type the record names is not known."""

    reason = "unknown_schema"


class ValidationError(DecodeError):
    """The record decoded but breaks the event contract (missing field, bad currency, ...)."""

    reason = "invalid"


class EmptyRecordError(DecodeError):
    """An empty value or a tombstone where an event was expected."""

    reason = "empty"


class EncodeError(PermanentError):
    """An event could not be encoded (outside the Avro contract, or the schema registry refused it)."""

    reason = "encode"


class RejectedError(PermanentError):
    """CDP answered that the request itself is wrong (4xx other than auth / throttling)."""

    reason = "rejected"

    def __init__(self, message: str, status: int = 0, body: str = "") -> None:
        self.status = status
        self.body = body
        super().__init__(message)


class TransientError(WorkerError):
    """A temporary failure: timeouts, 5xx, 429, dropped connections. Retried with backoff."""

    reason = "transient"

    def __init__(self, message: str, retry_after: float | None = None, status: int = 0) -> None:
        self.retry_after = retry_after
        self.status = status
        super().__init__(message)


class FatalError(WorkerError):
    """Going on would be unsafe or pointless (bad credentials, dead-letter topic unwritable)."""

    reason = "fatal"


class ConfigurationError(FatalError):
    """A setting is wrong: the message names the environment variable."""

    reason = "configuration"


class DeadLetterError(FatalError):
    """The dead-letter topic could not be written: stop without committing, so nothing is lost."""

    reason = "dead_letter_unwritable"


class DeadLetterPendingError(TransientError):
    """The broker did not confirm a dead letter in time (it is unreachable or paused): the write is
    tried again while the record stays unfinished, so a Kafka outage does not stop the worker."""

    reason = "dead_letter_pending"


_FATES: tuple[tuple[type[BaseException], Fate], ...] = (
    (FatalError, Fate.STOP),
    (TransientError, Fate.RETRY),
    (PermanentError, Fate.DEAD_LETTER),
)


def fate_of(error: BaseException) -> Fate:
    """The fate of a record whose processing raised ``error``; unknown errors are dead-lettered.

    An unexpected exception is a bug for this record's shape: dead-lettering it keeps the
    partition flowing and keeps the record (with its stack trace) for a replay after the fix.
    """
    for kind, fate in _FATES:
        if isinstance(error, kind):
            return fate
    return Fate.DEAD_LETTER


def reason_of(error: BaseException) -> str:
    """Low-cardinality reason label for ``error``."""
    return error.reason if isinstance(error, WorkerError) else "unexpected"
