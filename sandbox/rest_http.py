"""HTTP plumbing shared by the REST v2.1 and Batch routes: auth, media type, JSON bodies, paging.

:func:`endpoint` wraps a handler so every request is Basic-authenticated (401), bodies must be
``application/json`` (415), and unexpected failures answer with the documented 500 body.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from sandbox import jsonio
from sandbox.app import AppContext
from sandbox.errors import ApiError
from sandbox.rest_errors import api_error

Handler = Callable[[Request], Awaitable[Response]]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_LIMIT = 100
DEFAULT_LIMIT = 10

_log = logging.getLogger(__name__)


def _check_media_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise api_error(415, f"Content-Type must be application/json, not {media_type or 'missing'!r}")


def endpoint(ctx: AppContext, handler: Handler) -> Handler:
    """``handler`` behind Basic auth, the JSON media-type check and a documented 500 fallback."""

    async def wrapped(request: Request) -> Response:
        ctx.basic_auth(request)
        if request.method in BODY_METHODS:
            _check_media_type(request)
        try:
            return await handler(request)
        except ApiError:
            raise
        except Exception as exc:  # the documented 500 body instead of a bare traceback page
            _log.exception("REST handler failed")
            raise api_error(500, f"Could not process the request: {type(exc).__name__}") from exc

    return wrapped


async def json_object(request: Request) -> dict[str, object]:
    """The request body as a JSON object (floats as exact Decimals); 400 when it is not one."""
    raw = await request.body()
    try:
        body = jsonio.loads(raw)
    except ValueError as exc:
        raise api_error(400, "The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise api_error(400, "The request body must be a JSON object")
    return body


def base_url(request: Request) -> str:
    """The sandbox's own URL root as the client reached it (``http://host:port``)."""
    return str(request.base_url).rstrip("/")


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise api_error(400, f"{name} must be an integer from {low} to {high}")
    return int(text)


def paging(request: Request) -> tuple[int, int]:
    """``(offset, limit)`` from the query (limit 1-100, default 10)."""
    return _int_param(request, "offset", 0, 0, 10**9), _int_param(
        request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT
    )


def expand(request: Request) -> bool:
    """Whether ``expand=true`` asks for inlined collection items; other values are a 400."""
    text = request.query_params.get("expand", "false").lower()
    if text not in ("true", "false"):
        raise api_error(400, "expand must be true or false")
    return text == "true"


def collection(href: str, offset: int, limit: int, items: list[object]) -> dict[str, object]:
    """The documented collection body ``{href, offset, limit, items}`` for one page of ``items``."""
    return {"href": href, "offset": offset, "limit": limit, "items": items[offset : offset + limit]}


def created(payload: object) -> Response:
    """201 Created with ``payload`` (create and update answer 201 with the resource, §4.8)."""
    return Response(jsonio.dumps(payload), status_code=201, media_type="application/json")


def ok(payload: object) -> Response:
    """200 OK with ``payload``."""
    return Response(jsonio.dumps(payload), status_code=200, media_type="application/json")


Wrap = Callable[[Handler], Handler]
