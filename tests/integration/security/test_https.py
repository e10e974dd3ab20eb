"""The CDP clients verify HTTPS certificates by default; a private CA is trusted through SSL_CERT_FILE."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from worker.cdp.errors import StreamConnectionError
from worker.cdp.rest import rest_http_client
from worker.cdp.stream import StreamClient, StreamHttpOptions
from worker.metrics import create_metrics
from worker.plans import Step, StreamContext, StreamEvent

CLEAR = Step("CLEAR_CART", StreamEvent.CLEAR_CART, {})
CONTEXT = StreamContext(channel="WEB", pos="retail-web", language="EN", currency="EUR", page="home")


class _Created(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "OK"}'
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (no public CA knows it)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def https_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    """A real HTTPS server on a free port answering 201 to every GET."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Created)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def stream_outcome(url: str) -> int | str:
    """201 when the Stream client's event was accepted, else its error (a connect failure: not sent)."""
    client = StreamClient(StreamHttpOptions(url, 5.0, 4), "key", create_metrics(CollectorRegistry()))
    try:
        await client.send(CLEAR, CONTEXT, "b-1")
    except StreamConnectionError as exc:
        return f"{exc} (maybe applied: {exc.maybe_applied})"
    finally:
        await client.aclose()
    return 201


async def rest_outcome(url: str) -> int | str:
    async with rest_http_client(url, "key", "token", 5.0, 4) as client:
        try:
            return (await client.get("/v1.2/browser/create.json")).status_code
        except httpx.ConnectError as exc:
            return str(exc)


async def get_each(url: str) -> list[int | str]:
    return [await stream_outcome(url), await rest_outcome(url)]


def test_stream_and_rest_clients_refuse_a_certificate_no_trusted_ca_signed(
    https_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    outcomes = asyncio.run(get_each(https_url))
    assert len(outcomes) == 2
    assert all("CERTIFICATE_VERIFY_FAILED" in str(outcome) for outcome in outcomes), outcomes
    assert "maybe applied: False" in str(outcomes[0])


def test_a_private_ca_in_ssl_cert_file_is_trusted_by_both_clients(
    https_url: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    assert asyncio.run(get_each(https_url)) == [201, 201]
