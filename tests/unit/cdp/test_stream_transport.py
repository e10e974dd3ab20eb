"""Every aiohttp failure of a Stream call is retried and says whether CDP may have acted on it.

"Not sent" (connect refused or timed out, no free pooled connection in time) lets the sink send an
order-creating step again without doubt; "maybe applied" (no answer in time, disconnect, reset,
cut body, garbage) makes it check first. Real sockets where loopback can produce the failure.
"""

from __future__ import annotations

import asyncio
import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from multidict import CIMultiDict, CIMultiDictProxy
from prometheus_client import CollectorRegistry
from yarl import URL

from tests.unit.cdp.stream_server import (
    Script,
    close_without_answer,
    cut_body,
    full_backlog,
    hang,
    in_turn,
    reset,
    respond,
)
from tests.unit.cdp.test_stream_client import ADD, CONTEXT, client_for, requests_of
from worker.cdp import errors
from worker.cdp.stream import StreamClient, StreamHttpOptions, translate_transport
from worker.embedded import free_port
from worker.errors import Fate, fate_of
from worker.metrics import create_metrics

KEY = ConnectionKey("cdp.test", 443, True, True, None, None, None)
INFO = aiohttp.RequestInfo(
    URL("https://cdp.test/v1.2/event/create.json"), "GET", CIMultiDictProxy(CIMultiDict())
)

CONN, TIMEOUT = errors.StreamConnectionError, errors.StreamTimeoutError
MAPPING: list[tuple[BaseException, type[errors.StreamTransientError], bool]] = [
    (aiohttp.ConnectionTimeoutError("connect"), CONN, False),
    (aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")), CONN, False),
    (aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "no such name")), CONN, False),
    (aiohttp.ClientConnectorCertificateError(KEY, ssl.SSLCertVerificationError("bad")),
     CONN, False),
    (aiohttp.ClientConnectorSSLError(KEY, ssl.SSLError("handshake")), CONN, False),
    (aiohttp.SocketTimeoutError("read"), TIMEOUT, True),
    (aiohttp.ServerTimeoutError("timeout"), TIMEOUT, True),
    (TimeoutError(), TIMEOUT, True),
    (aiohttp.ServerDisconnectedError(), CONN, True),
    (aiohttp.ClientOSError(104, "Connection reset by peer"), CONN, True),
    (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), CONN, True),
    (aiohttp.ClientPayloadError("Response payload is not completed"), CONN, True),
    (aiohttp.ClientResponseError(INFO, (), status=400, message="Invalid HTTP"), CONN, True),
    (aiohttp.ClientError("anything else"), CONN, True),
]  # fmt: skip


@pytest.mark.parametrize(("failure", "kind", "maybe_applied"), MAPPING, ids=lambda v: type(v).__name__)
def test_each_aiohttp_failure_maps_to_a_retry_that_says_whether_cdp_may_have_acted(
    failure: BaseException, kind: type[errors.StreamTransientError], maybe_applied: bool
) -> None:
    error = translate_transport(failure, "CHECKOUT")
    assert type(error) is kind
    assert error.maybe_applied is maybe_applied
    assert fate_of(error) is Fate.RETRY
    assert str(error).startswith(f"Stream CHECKOUT: {type(failure).__name__}")


OVER_THE_WIRE: list[tuple[Script, type[errors.StreamTransientError]]] = [
    (close_without_answer, errors.StreamConnectionError),
    (reset, errors.StreamConnectionError),
    (cut_body, errors.StreamConnectionError),
    (hang(5.0), errors.StreamTimeoutError),
    (lambda _t, w: _garbage(w), errors.StreamConnectionError),
]


async def _garbage(writer: asyncio.StreamWriter) -> bool:
    writer.write(b"this is not HTTP\r\n\r\n")
    await writer.drain()
    return False


@pytest.mark.parametrize(("script", "kind"), OVER_THE_WIRE, ids=["close", "reset", "cut", "hang", "garbage"])
async def test_a_failure_after_the_request_was_sent_may_have_been_applied(
    script: Script, kind: type[errors.StreamTransientError]
) -> None:
    async with client_for(script, timeout_s=0.3) as (client, metrics, server):
        with pytest.raises(kind) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert len(server.targets) == 1
    assert caught.value.maybe_applied is True
    assert fate_of(caught.value) is Fate.RETRY
    assert requests_of(metrics, "error") == 1


async def test_a_dropped_reused_connection_is_not_silently_sent_again() -> None:
    """aiohttp re-sends a GET once when a kept-alive connection drops; a CHECKOUT must not be."""
    async with client_for(in_turn(respond(201), close_without_answer)) as (client, _, server):
        await client.send(ADD, CONTEXT, "b-1")
        with pytest.raises(errors.StreamConnectionError) as caught:
            await client.send(ADD, CONTEXT, "b-1")
    assert caught.value.maybe_applied is True
    assert (len(server.targets), server.connections) == (2, 1)


async def _send_to(url: str, options: StreamHttpOptions) -> errors.StreamTransientError:
    client = StreamClient(options, "key", create_metrics(CollectorRegistry()))
    try:
        await client.send(ADD, CONTEXT, "b-1")
    except errors.StreamTransientError as exc:
        return exc
    finally:
        await client.aclose()
    raise AssertionError("the send succeeded")


async def test_a_refused_connect_was_not_sent() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    error = await _send_to(url, StreamHttpOptions(url, 1.0, 4))
    assert (type(error), error.maybe_applied) == (errors.StreamConnectionError, False)


async def test_a_connect_that_times_out_was_not_sent() -> None:
    with full_backlog() as url:
        error = await _send_to(url, StreamHttpOptions(url, 0.2, 4))
    assert (type(error), error.maybe_applied) == (errors.StreamConnectionError, False)
    assert "ConnectionTimeoutError" in str(error)


async def test_waiting_too_long_for_a_pooled_connection_was_not_sent() -> None:
    async with client_for(hang(2.0), max_connections=1, pool_wait_s=0.2) as (client, _, server):
        first = asyncio.create_task(client.send(ADD, CONTEXT, "b-1"))
        await asyncio.sleep(0.05)
        with pytest.raises(errors.StreamConnectionError) as caught:
            await client.send(ADD, CONTEXT, "b-2")
        first.cancel()
    assert len(server.targets) == 1
    assert caught.value.maybe_applied is False


def test_an_error_text_never_carries_the_client_key_or_the_event() -> None:
    url = "https://cdp.test/v1.2/event/create.json?client_key=s3cr3t-key&message=%7B%22email%22%3A%22a%40b.c%22%7D"
    failures = [
        aiohttp.ConnectionTimeoutError(f"Connection timeout to host {url}"),
        aiohttp.ClientResponseError(aiohttp.RequestInfo(URL(url, encoded=True), "GET", INFO.headers), ()),
    ]
    for failure in failures:
        text = str(translate_transport(failure, "ADD"))
        assert "s3cr3t" not in text and "email" not in text and "a%40b" not in text, text
        assert "cdp.test/v1.2/event/create.json?…" in text, text
