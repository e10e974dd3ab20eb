"""CDP-style error responses. Every error body of the sandbox has the same five keys.

Body: ``{"status": <http status>, "code": <numeric code>, "message": ..., "developerMessage": ...,
"moreInfo": ...}`` — the attribute names of Sitecore's response-code page (cdp-api.md §4.8).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from sandbox import jsonio

MORE_INFO = "https://doc.sitecore.com/cdp/en/developers/api/index-en.html"


class ApiError(Exception):
    """Raise from any sandbox route to answer with a CDP error body (rendered by :func:`render`)."""

    def __init__(self, status: int, code: int, message: str, developer_message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.developer_message = developer_message or message

    def body(self) -> dict[str, object]:
        """The JSON error document."""
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "developerMessage": self.developer_message,
            "moreInfo": MORE_INFO,
        }


def json_response(content: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialised exactly (``Decimal`` as numbers)."""
    return Response(jsonio.dumps(content), status_code=status, headers=headers, media_type="application/json")


async def render(_request: Request, exc: Exception) -> Response:
    """Starlette exception handler for :class:`ApiError`."""
    assert isinstance(exc, ApiError)  # registered for ApiError only
    return json_response(exc.body(), status=exc.status)


async def render_http(_request: Request, exc: Exception) -> Response:
    """Starlette exception handler for routing errors (404 no route, 405 method) in the CDP shape."""
    assert isinstance(exc, HTTPException)  # registered for HTTPException only
    error = ApiError(exc.status_code, exc.status_code, str(exc.detail), str(exc.detail))
    return json_response(error.body(), status=exc.status_code, headers=dict(exc.headers or {}))


def unauthorized(detail: str) -> ApiError:
    """401: wrong client key or Basic credentials."""
    return ApiError(401, 401, "Unauthorized", detail)


def bad_request(detail: str, code: int = 400) -> ApiError:
    """400: the request failed validation (``detail`` names the attribute and the rule)."""
    return ApiError(400, code, "Bad Request", detail)


def not_found(detail: str) -> ApiError:
    """404: the referenced resource does not exist."""
    return ApiError(404, 404, "Not Found", detail)
