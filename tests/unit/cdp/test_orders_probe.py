"""Order look-up by reference over httpx.MockTransport: found, not found, and cannot tell."""

from __future__ import annotations

import httpx
import pytest

from worker.cdp.orders_probe import OrderProbe, order_probe
from worker.cdp.rest_errors import RestAuthError


def probe_answering(
    status: int, body: bytes = b"", error: bool = False
) -> tuple[OrderProbe, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if error:
            raise httpx.ConnectError("down", request=request)
        return httpx.Response(status, content=body)

    http = httpx.AsyncClient(base_url="https://cdp.test", auth=("key", "token"),
                             transport=httpx.MockTransport(handler))  # fmt: skip
    return OrderProbe(http), seen


@pytest.mark.parametrize(
    ("status", "body", "found"),
    [
        (200, b'{"items":[{"ref":"o1"}]}', True),
        (200, b'{"items":[]}', False),
        (404, b"{}", False),
        (500, b"{}", None),
        (200, b"<html>", None),
    ],
)
async def test_the_answer_says_whether_cdp_holds_the_order(
    status: int, body: bytes, found: bool | None
) -> None:
    probe, seen = probe_answering(status, body)
    assert await probe.exists("DE-1") is found
    assert seen[0].url.path == "/v2.1/orders"
    assert dict(seen[0].url.params) == {"referenceId": "DE-1", "limit": "1"}
    assert seen[0].headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_stop_the_worker(status: int) -> None:
    probe, _ = probe_answering(status, b"{}")
    with pytest.raises(RestAuthError, match=str(status)):
        await probe.exists("DE-1")


async def test_a_failed_look_up_cannot_tell() -> None:
    probe, _ = probe_answering(0, error=True)
    assert await probe.exists("DE-1") is None


def test_no_probe_without_an_api_token() -> None:
    assert order_probe("https://cdp.test", "key", "", 5.0) is None
