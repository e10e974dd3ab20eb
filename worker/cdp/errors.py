"""CDP failures as the worker's error tree: each class decides the record's fate (worker.errors).

Every error carries ``api`` (for the retries metric) and ``stage`` (for the dead-letter headers);
``reason`` is the low-cardinality label (``timeout``, ``connection``, ``throttled``, ``server_error``).
``maybe_applied`` is true when CDP may have acted on the request before the failure (a timeout or a
connection lost after the request was sent), so repeating a non-replayable step needs care.
"""

from __future__ import annotations

from worker.errors import ConfigurationError, RejectedError, TransientError


class StreamRejectedError(RejectedError):
    """The Stream API refused the event for good (400 and other 4xx): dead letter."""

    api = "stream"
    stage = "stream"


class UnknownBrowserError(StreamRejectedError):
    """404: CDP does not know the browser id (expired or never created); a new browser can help."""

    reason = "unknown_browser"


class StreamAuthError(ConfigurationError):
    """401/403: wrong client key or region; nothing will succeed until the configuration is fixed."""

    api = "stream"
    stage = "stream"


class StreamTransientError(TransientError):
    """A Stream failure worth retrying."""

    api = "stream"
    stage = "stream"
    maybe_applied = False


class ThrottledError(StreamTransientError):
    """429 (or 408): slow down; ``retry_after`` holds the server's wish when it gave one."""

    reason = "throttled"


class ServerError(StreamTransientError):
    """5xx: CDP could not process the request now."""

    reason = "server_error"


class StreamTimeoutError(StreamTransientError):
    """No answer in time; the request may still have been processed."""

    reason = "timeout"
    maybe_applied = True


class StreamConnectionError(StreamTransientError):
    """The connection failed or dropped; ``maybe_applied`` when the request had been sent."""

    reason = "connection"

    def __init__(self, message: str, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied
