"""Error helpers for the REST v2.1 and Batch routes, on top of the core's :mod:`sandbox.errors`.

Handlers raise :class:`sandbox.errors.ApiError` (built by :func:`api_error`); the app renders it as
CDP's documented body ``{status, code, message, developerMessage, moreInfo}`` (cdp-api.md §4.8).
"""

from __future__ import annotations

from sandbox.errors import ApiError

#: Human message per HTTP status, as CDP's response-code page words them.
STATUS_MESSAGES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def api_error(status: int, detail: str) -> ApiError:
    """An error answered with HTTP ``status`` (also its numeric ``code``) and ``detail``."""
    return ApiError(status, status, STATUS_MESSAGES.get(status, "Error"), detail)
