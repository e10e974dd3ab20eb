"""A scripted HTTP/1.1 server on loopback for the Stream client's tests.

Each request's target goes to a :data:`Script`, which writes the answer (or misbehaves: closes,
resets, cuts the body, hangs) on the raw stream. Connections are kept alive between requests, so
tests also see what happens on a reused connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field

#: Writes the answer to one request (its target is given); False closes the connection afterwards.
Script = Callable[[str, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class ScriptedServer:
    """The server's address and every request target it read, in arrival order."""

    url: str
    targets: list[str] = field(default_factory=list)
    connections: int = 0


def respond(status: int, body: bytes = b'{"status":"OK"}', **headers: str) -> Script:
    """A complete answer with ``Content-Length``; the connection stays open."""
    head = f"HTTP/1.1 {status} X\r\ncontent-length: {len(body)}\r\ncontent-type: application/json\r\n"
    extra = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    raw = (head + extra + "\r\n").encode() + body

    async def script(_target: str, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        await writer.drain()
        return True

    return script


async def close_without_answer(_target: str, _writer: asyncio.StreamWriter) -> bool:
    return False


async def reset(_target: str, writer: asyncio.StreamWriter) -> bool:
    """Abort with a TCP RST (SO_LINGER 0) instead of an orderly close."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    return False


async def cut_body(_target: str, writer: asyncio.StreamWriter) -> bool:
    """Promise 100 bytes of body, send 10, close."""
    writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 100\r\n\r\n" + b"x" * 10)
    await writer.drain()
    return False


def hang(seconds: float) -> Script:
    async def script(_target: str, _writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(seconds)
        return False

    return script


def in_turn(*scripts: Script) -> Script:
    """The n-th request gets the n-th script (the last one repeats)."""
    calls = 0

    async def script(target: str, writer: asyncio.StreamWriter) -> bool:
        nonlocal calls
        chosen = scripts[min(calls, len(scripts) - 1)]
        calls += 1
        return await chosen(target, writer)

    return script


@contextlib.asynccontextmanager
async def scripted_server(script: Script) -> AsyncIterator[ScriptedServer]:
    """Serve ``script`` on a free loopback port while the context is open."""
    state = ScriptedServer("")

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                state.targets.append(head.split(b" ", 2)[1].decode())
                if not await script(state.targets[-1], writer):
                    break
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield state


@contextlib.contextmanager
def full_backlog() -> Iterator[str]:
    """A URL whose listener never accepts and whose backlog is full: connects hang (SYNs dropped)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            for filler in fillers:
                filler.close()
