"""Stream client over httpx.MockTransport: the request it sends and the fate of every response."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from prometheus_client import CollectorRegistry

from worker.cdp import errors
from worker.cdp.stream import StreamClient, stream_http_clients
from worker.errors import Fate, fate_of
from worker.metrics import Metrics, create_metrics
from worker.plans import Step, StreamContext, StreamEvent

CONTEXT = StreamContext(channel="WEB", pos="retail-web", language="EN", currency="EUR", page="checkout")
ADD = Step(
    "ADD:i1",
    StreamEvent.ADD,
    {"product": {"item_id": "i1", "name": "Zoë's scarf & hat", "price": Decimal("0.10")}},
)
Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler) -> tuple[StreamClient, Metrics]:
    metrics = create_metrics(CollectorRegistry())
    http = httpx.AsyncClient(base_url="https://cdp.test", transport=httpx.MockTransport(handler))
    return StreamClient([http], "key/1", metrics), metrics


def answer(status: int, body: bytes = b'{"status":"OK","version":"1.2"}', **headers: str) -> Handler:
    return lambda request: httpx.Response(status, content=body, headers=headers)


def fail_with(error: type[httpx.HTTPError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)  # type: ignore[call-arg]  # httpx transport errors take request=

    return handler


async def test_send_is_a_get_with_the_client_key_and_the_url_encoded_message() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"status": "OK"})

    client, metrics = client_with(handler)
    await client.send(ADD, CONTEXT, "b-1")
    request = seen[0]
    assert (request.method, request.url.path) == ("GET", "/v1.2/event/create.json")
    raw_query = urlsplit(str(request.url)).query
    assert " " not in raw_query and "+" not in raw_query
    query = parse_qs(raw_query)
    assert query["client_key"] == ["key/1"]
    message = orjson.loads(query["message"][0])
    assert message == {
        "type": "ADD",
        "channel": "WEB",
        "language": "EN",
        "currency": "EUR",
        "page": "checkout",
        "pos": "retail-web",
        "browser_id": "b-1",
        "product": {"item_id": "i1", "name": "Zoë's scarf & hat", "price": 0.1},
    }
    assert '"price":0.10' in query["message"][0]
    assert metrics.cdp_requests.labels(api="stream", step="ADD", status_class="2xx")._value.get() == 1


async def test_create_browser_returns_the_ref() -> None:
    client, _ = client_with(answer(201, b'{"status":"OK","version":"1.2","ref":"b-42","customer_ref":"g"}'))
    assert await client.create_browser() == "b-42"


async def test_create_browser_without_ref_is_retried() -> None:
    client, _ = client_with(answer(201, b"<html>"))
    with pytest.raises(errors.ServerError):
        await client.create_browser()


async def test_400_is_a_dead_letter_with_status_and_body() -> None:
    client, metrics = client_with(answer(400, b'{"status":400,"message":"browser_id is required"}'))
    with pytest.raises(errors.StreamRejectedError) as caught:
        await client.send(ADD, CONTEXT, "b-1")
    error = caught.value
    assert fate_of(error) is Fate.DEAD_LETTER
    assert (error.status, error.stage, error.api) == (400, "stream", "stream")
    assert "browser_id is required" in error.body
    assert metrics.cdp_requests.labels(api="stream", step="ADD", status_class="4xx")._value.get() == 1


async def test_404_means_the_browser_is_unknown() -> None:
    client, _ = client_with(answer(404, b'{"status":404}'))
    with pytest.raises(errors.UnknownBrowserError) as caught:
        await client.send(ADD, CONTEXT, "b-1")
    assert caught.value.status == 404


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures_stop_the_worker(status: int) -> None:
    client, _ = client_with(answer(status, b"{}"))
    with pytest.raises(errors.StreamAuthError) as caught:
        await client.send(ADD, CONTEXT, "b-1")
    assert fate_of(caught.value) is Fate.STOP
    assert "CDPW_CDP_CLIENT_KEY" in str(caught.value)


async def test_429_is_retried_after_the_servers_delay() -> None:
    client, _ = client_with(answer(429, b"{}", **{"Retry-After": "3"}))
    with pytest.raises(errors.ThrottledError) as caught:
        await client.send(ADD, CONTEXT, "b-1")
    assert (caught.value.retry_after, caught.value.reason, caught.value.status) == (3.0, "throttled", 429)
    assert fate_of(caught.value) is Fate.RETRY


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (408, errors.ThrottledError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (599, errors.ServerError),
    ],
)
async def test_408_and_5xx_are_retried(status: int, kind: type[Exception]) -> None:
    client, _ = client_with(answer(status, b"{}"))
    with pytest.raises(kind) as caught:
        await client.send(ADD, CONTEXT, "b-1")
    assert fate_of(caught.value) is Fate.RETRY


@pytest.mark.parametrize(
    ("failure", "kind", "maybe_applied"),
    [
        (httpx.ReadTimeout, errors.StreamTimeoutError, True),
        (httpx.ConnectTimeout, errors.StreamConnectionError, False),
        (httpx.ConnectError, errors.StreamConnectionError, False),
        (httpx.RemoteProtocolError, errors.StreamConnectionError, True),
        (httpx.ReadError, errors.StreamConnectionError, True),
    ],
)
async def test_transport_failures_are_retried_and_say_whether_cdp_may_have_acted(
    failure: type[httpx.HTTPError], kind: type[errors.StreamTransientError], maybe_applied: bool
) -> None:
    client, metrics = client_with(fail_with(failure))
    with pytest.raises(kind) as caught:
        await client.send(ADD, CONTEXT, "b-1")
    assert caught.value.maybe_applied is maybe_applied
    assert fate_of(caught.value) is Fate.RETRY
    assert metrics.cdp_requests.labels(api="stream", step="ADD", status_class="error")._value.get() == 1


async def test_a_browser_always_uses_the_same_small_pool_and_browsers_spread_over_pools() -> None:
    seen: list[list[str]] = [[], [], []]

    def recording(index: int) -> Handler:
        def handler(request: httpx.Request) -> httpx.Response:
            seen[index].append(
                orjson.loads(parse_qs(urlsplit(str(request.url)).query)["message"][0])["browser_id"]
            )
            return httpx.Response(201, json={"status": "OK"})

        return handler

    pools = [httpx.AsyncClient(base_url="https://cdp.test", transport=httpx.MockTransport(recording(i)))
             for i in range(3)]  # fmt: skip
    client = StreamClient(pools, "key", create_metrics(CollectorRegistry()))
    for n in range(30):
        await client.send(ADD, CONTEXT, f"b-{n % 10}")
    owners = {
        browser: [i for i in range(3) if browser in seen[i]] for browser in {f"b-{n}" for n in range(10)}
    }
    assert all(len(pools_used) == 1 for pools_used in owners.values())
    assert sum(1 for requests in seen if requests) > 1


def test_pools_are_small_and_add_up_to_the_connection_limit() -> None:
    pools = stream_http_clients("https://cdp.test", 5.0, 10)
    assert len(pools) == 3
    assert len(stream_http_clients("https://cdp.test", 5.0, 1)) == 1
