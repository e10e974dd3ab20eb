"""A Kafka-protocol broker whose data survives a restart: tansu on S3 storage served by a local moto.

The embedded broker of :mod:`worker.embedded` keeps everything in memory, so a restart loses topics,
committed offsets and producer state. The fault campaign restarts its broker, so it runs tansu with
``--storage-engine s3://tansu/`` against ``moto_server`` (``moto[server]``, a dev dependency) started
on a free loopback port. Records, committed offsets and idempotent producers' state outlive SIGKILL
and SIGTERM; a restart reuses the port, so clients reconnect by themselves.

S3 storage writes one object per record batch, which is far slower than memory for many small
batches: only the campaign uses this broker; every other test keeps the in-memory one.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from worker.embedded import EmbeddedBrokerError, free_port, start_broker, wait_for_port

BUCKET = "tansu"
#: SIGTERM lets tansu drain its clients (about 6 s with clients connected); after this, SIGKILL.
TERM_TIMEOUT_S = 20.0


@dataclass
class ObjectStore:
    """A running ``moto_server`` with the broker's bucket; ``endpoint`` is its S3 URL."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        _end(self.process, signal.SIGTERM, timeout=10.0)


def start_object_store(log_path: Path) -> ObjectStore:
    """Start moto's S3 server on a free loopback port and create the bucket (moto needs no signature)."""
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    store = ObjectStore(process, port)
    try:
        wait_for_port("127.0.0.1", port, timeout=60.0)
        httpx.put(f"{store.endpoint}/{BUCKET}", timeout=10).raise_for_status()
    except (EmbeddedBrokerError, httpx.HTTPError):
        store.stop()
        raise
    return store


@dataclass
class DurableBroker:
    """tansu on ``store``; :meth:`restart` stops it with a signal and starts it again on the same port."""

    #: None: memory storage (fast, but a restart loses everything; for runs without restarts).
    store: ObjectStore | None
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    #: Between :meth:`pause` and :meth:`resume`.
    paused: bool = False

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start tansu and wait until it accepts clients (its data is whatever the bucket holds)."""
        if self.store is None:
            self.process = start_broker(self.port, self.log_path).process
            return
        aws = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT": self.store.endpoint,
               "AWS_ALLOW_HTTP": "true"}  # fmt: skip
        self.process = start_broker(self.port, self.log_path, f"s3://{BUCKET}/", aws).process

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP) to simulate a hung broker."""
        self._signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self._signal(signal.SIGCONT)
        self.paused = False

    def _signal(self, signum: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)

    def halt(self, signum: signal.Signals) -> float:
        """Stop the broker with ``signum`` (SIGKILL after TERM_TIMEOUT_S); returns seconds until it exited."""
        began = time.monotonic()
        if self.process is not None:
            self.resume()  # a stopped process acts on SIGTERM only once continued
            _end(self.process, signum, timeout=TERM_TIMEOUT_S)
        return time.monotonic() - began

    def restart(self, signum: signal.Signals, down_s: float) -> float:
        """Stop with ``signum``, stay down ``down_s`` seconds, start again; returns the exit time."""
        exited = self.halt(signum)
        time.sleep(down_s)
        self.start()
        return exited

    def stop(self) -> None:
        self.halt(signal.SIGTERM)


def _end(process: subprocess.Popen[bytes], signum: signal.Signals, timeout: float) -> None:
    """Send ``signum`` and reap the process; SIGKILL when it outlives ``timeout``."""
    if process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@contextlib.contextmanager
def durable_broker(workdir: Path, durable: bool = True) -> Iterator[DurableBroker]:
    """A moto S3 server and tansu on it for the block (logs in ``workdir``); both are stopped after.

    ``durable=False``: tansu on memory storage, no S3 server (for runs that never restart the broker).
    """
    store = start_object_store(workdir / "s3.log") if durable else None
    try:
        broker = DurableBroker(store, free_port(), workdir / "broker.log")
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
    finally:
        if store is not None:
            store.stop()
