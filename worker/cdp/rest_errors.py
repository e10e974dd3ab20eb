"""REST v2.1 and Batch failures as the worker's error tree, and the documented error body.

Each class decides a record's fate (:mod:`worker.errors`): ``*RejectedError`` dead letter,
``*AuthError`` stop, ``*TransientError`` retry. Every error names its ``api`` and ``stage``.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from worker.errors import ConfigurationError, RejectedError, TransientError


@dataclass(frozen=True)
class ErrorBody:
    """CDP's error body ``{status, code, message, developerMessage, moreInfo}`` (cdp-api.md §4.8)."""

    status: int
    code: int | None
    message: str
    developer_message: str
    more_info: str


def parse_error_body(status: int, raw: bytes) -> ErrorBody:
    """The documented error body of a response; the raw text as ``message`` when it is not one."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        return ErrorBody(status, None, raw[:500].decode("utf-8", "replace"), "", "")
    code, told = data.get("code"), data.get("status")
    return ErrorBody(
        status=told if isinstance(told, int) else status,
        code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
        message=str(data.get("message", "")),
        developer_message=str(data.get("developerMessage", "")),
        more_info=str(data.get("moreInfo", "")),
    )


class RestRejectedError(RejectedError):
    """REST refused the request for good (400, 404, 415...): dead letter. ``error`` is the parsed body."""

    api = "rest"
    stage = "rest"

    def __init__(self, message: str, status: int = 0, body: str = "", error: ErrorBody | None = None) -> None:
        super().__init__(message, status=status, body=body)
        self.error = error


class RestNotFoundError(RestRejectedError):
    """404: the resource does not exist."""

    reason = "not_found"


class RestAuthError(ConfigurationError):
    """401/403 on REST or Batch: wrong client key or API token."""

    api = "rest"
    stage = "rest"


class RestTransientError(TransientError):
    """A REST failure worth retrying (timeout, connection, 408/429, 5xx)."""

    api = "rest"
    stage = "rest"
    maybe_applied = False


class OrderNotVisibleError(TransientError):
    """A correction's order is not in CDP yet (its Stream creation may still be processed).

    Its ``api`` is ``order_wait``, not ``rest``: REST answered fine, so waiting for an order must
    not count against the REST circuit breaker (the engine keeps one breaker per ``api``).
    """

    api = "order_wait"
    stage = "rest"
    reason = "order_not_visible"


class BatchRejectedError(RejectedError):
    """The Batch API refused a record or a file for good."""

    api = "batch"
    stage = "batch"


class BatchTransientError(TransientError):
    """A Batch failure worth retrying (the whole upload is tried again)."""

    api = "batch"
    stage = "batch"
