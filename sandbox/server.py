"""Running the sandbox under uvicorn (httptools + uvloop): in the foreground or in a thread."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

import uvicorn

from sandbox.app import build_app
from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.store import open_store


class _Server(uvicorn.Server):
    """A uvicorn server that announces its URL once it accepts connections."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """As uvicorn's, but a stop by SIGTERM/SIGINT after the graceful shutdown exits with code 0."""
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start, then announce (so the URL line means 'ready')."""
        await super().startup(sockets)
        if self.started:
            self._announce()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _uvicorn_config(config: SandboxConfig, log_level: str) -> uvicorn.Config:
    store = open_store(config.db_path)
    app = build_app(config, store, Clock())
    return uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level=log_level,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=3,  # slow (faulted) responses must not hold a stop for long
        backlog=2048,
    )


def serve(
    config: SandboxConfig, host: str, port: int, log_level: str = "warning", out: TextIO = sys.stdout
) -> None:
    """Serve until SIGINT/SIGTERM; print ``sandbox listening on URL`` once ready."""
    sock = bind(host, port)
    url = url_of(sock)

    def announce() -> None:
        print(f"sandbox listening on {url}", file=out, flush=True)

    server = _Server(_uvicorn_config(config, log_level), announce)
    try:
        server.run(sockets=[sock])
    finally:
        _close_store(server)
        sock.close()


def _close_store(server: uvicorn.Server) -> None:
    app = server.config.app
    ctx = getattr(getattr(app, "state", None), "ctx", None)
    if ctx is not None:
        ctx.store.close()


def serve_in_thread(config: SandboxConfig, host: str = "127.0.0.1") -> tuple[str, Callable[[], None]]:
    """Start the sandbox in a daemon thread on a free port; return its URL and a stop function."""
    sock = bind(host, 0)
    ready = threading.Event()
    server = _Server(_uvicorn_config(config, "warning"), ready.set)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sandbox")
    thread.start()
    if not ready.wait(timeout=10):
        raise RuntimeError("sandbox thread did not start within 10 s")

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        _close_store(server)
        sock.close()

    return url_of(sock), stop
