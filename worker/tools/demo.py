"""``cdp-worker demo``: embedded broker + CDP sandbox + worker + a realistic shop's traffic, then a summary.

Everything runs on loopback; with ``CDPW_KAFKA_BOOTSTRAP_SERVERS`` set, that Kafka is used instead of
the embedded broker. Logs go to a temporary folder whose path is printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from sandbox.testing import RunningSandbox, start_sandbox_process
from worker.app import SINKS
from worker.embedded import EmbeddedBroker, free_port, start_broker
from worker.metrics import metric_sum
from worker.tools.traffic import generate

SOURCE, DLQ, STATE, PARTITIONS = "commerce-events", "commerce-events.dlq", "cdp-worker.state", 6
BAD_RECORDS: tuple[tuple[str, bytes | None], ...] = (
    ("not JSON at all", b"<order id=1/>"),
    ("JSON missing required fields", b'{"event_type": "OrderPlaced"}'),
    ("unknown event type", b'{"event_type": "CartTeleported", "event_id": "x"}'),
    ("empty value", b""),
    ("tombstone", None),
    ("money as a float", json.dumps({"event_type": "CartItemAdded", "line": {"unit_price": 9.99}}).encode()),
)


@dataclass
class Stack:
    """What the demo started (so it can stop it)."""

    workdir: Path
    bootstrap: str
    sandbox: RunningSandbox
    worker: subprocess.Popen[bytes]
    metrics_url: str
    broker: EmbeddedBroker | None = None


def _step(n: int, text: str) -> None:
    print(f"[{n}/6] {text}", flush=True)


def _create_topics(bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [
        NewTopic(SOURCE, PARTITIONS, 1),
        NewTopic(DLQ, 1, 1),
        NewTopic(STATE, PARTITIONS, 1, config={"cleanup.policy": "compact"}),
    ]
    for future in admin.create_topics(topics).values():
        with contextlib.suppress(Exception):  # an existing topic is fine
            future.result(15)


def _worker_env(bootstrap: str, sandbox: RunningSandbox, port: int, workdir: Path) -> dict[str, str]:
    sink = "cdp" if "cdp" in SINKS else "log"
    return {
        **os.environ,
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CDPW_KAFKA_TOPICS": SOURCE,
        "CDPW_DLQ_TOPIC": DLQ,
        "CDPW_STATE_TOPIC": STATE,
        "CDPW_KAFKA_GROUP_ID": "cdp-worker-demo",
        "CDPW_SINK": sink,
        "CDPW_CDP_BASE_URL": sandbox.url,
        "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
        "CDPW_CDP_API_TOKEN": sandbox.api_token,
        "CDPW_CDP_POINT_OF_SALE": "retail-web",
        "CDPW_METRICS_HOST": "127.0.0.1",
        "CDPW_METRICS_PORT": str(port),
        "CDPW_LOG_FORMAT": "text",
        "CDPW_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
        "CDPW_RECORD_SINK_PATH": str(workdir / "processed.jsonl"),
    }


@contextlib.contextmanager
def _stack() -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="cdp-worker-demo-"))
    external = os.environ.get("CDPW_KAFKA_BOOTSTRAP_SERVERS")
    broker = None if external else start_broker(log_path=workdir / "broker.log")
    bootstrap = external or (broker.bootstrap if broker else "")
    _step(1, f"broker: {'external ' + bootstrap if external else 'embedded tansu on ' + bootstrap}")
    sandbox = start_sandbox_process(workdir)
    _step(2, f"CDP sandbox: {sandbox.url}  (web page: {sandbox.url}/)")
    _create_topics(bootstrap)
    _step(3, f"topics: {SOURCE} ({PARTITIONS} partitions), {DLQ}, {STATE}")
    port = free_port()
    log = (workdir / "worker.log").open("ab")
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker", "run"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_worker_env(bootstrap, sandbox, port, workdir),
    )
    stack = Stack(workdir, bootstrap, sandbox, worker, f"http://127.0.0.1:{port}/metrics", broker)
    try:
        yield stack
    finally:
        _stop(stack)


def _stop(stack: Stack) -> None:
    if stack.worker.poll() is None:
        stack.worker.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            stack.worker.wait(30)
    stack.worker.kill()
    stack.sandbox.stop()
    if stack.broker is not None:
        stack.broker.stop()


def _publish(bootstrap: str, guests: int) -> tuple[int, int]:
    traffic = generate(guests, sessions_per_guest=2)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 10, "enable.idempotence": True})
    for key, event in traffic:
        producer.produce(SOURCE, value=json.dumps(event).encode(), key=key.encode())
        producer.poll(0)
    for n, (_, value) in enumerate(BAD_RECORDS):
        producer.produce(SOURCE, value=value, key=f"C-bad-{n}".encode())
    producer.flush(30)
    orders = sum(1 for _, event in traffic if event["event_type"] == "OrderPlaced")
    return len(traffic) + len(BAD_RECORDS), orders


def _wait_caught_up(stack: Stack, expected: int, timeout: float = 600.0) -> tuple[float, int]:
    """Show progress until every record is finished; returns the seconds from the first finished one
    and how many finished."""
    deadline = time.monotonic() + timeout
    first: float | None = None
    finished = 0.0
    while time.monotonic() < deadline:
        if stack.worker.poll() is not None:
            raise RuntimeError(
                f"the worker exited ({stack.worker.returncode}); see {stack.workdir}/worker.log"
            )
        with contextlib.suppress(httpx.HTTPError):
            finished = metric_sum(httpx.get(stack.metrics_url, timeout=5).text, "cdpw_records_finished_total")
        if finished and first is None:
            first = time.monotonic()
        rate = finished / max(time.monotonic() - (first or time.monotonic()), 1e-9) if first else 0.0
        print(f"\r      {int(finished)}/{expected} records finished ({rate:,.0f}/s)", end="", flush=True)
        if finished >= expected:
            break
        time.sleep(0.5)
    print()
    return time.monotonic() - (first or time.monotonic()), int(finished)


def _summary(stack: Stack, published: int, orders_sent: int, seconds: float) -> None:
    metrics = httpx.get(stack.metrics_url, timeout=5).text
    sandbox = httpx.Client(base_url=stack.sandbox.url, timeout=10)
    orders = sandbox.get("/_sandbox/orders").json()
    rejections = sandbox.get("/_sandbox/rejections").json()
    done = metric_sum(metrics, "cdpw_records_finished_total", outcome="done")
    dead = metric_sum(metrics, "cdpw_records_finished_total", outcome="dead_letter")
    print("\nSummary")
    print(
        f"  records: {published} published, {int(done)} done, {int(dead)} dead-lettered, in {seconds:.1f}s "
        f"({published / max(seconds, 1e-9):,.0f} records/s)"
    )
    print(
        f"  CDP sandbox: {_count(orders)} orders (the traffic placed {orders_sent}), "
        f"{_count(rejections)} rejected sequences"
    )
    print("  dead letters by reason:")
    for line in metrics.splitlines():
        if line.startswith("cdpw_dead_letters_total{") and not line.endswith(" 0.0"):
            print(f"    {line.split('{', 1)[1].rsplit('}', 1)[0]}: {int(float(line.rsplit(' ', 1)[1]))}")
    print("\nWhere to look")
    print(f"  CDP sandbox page     {stack.sandbox.url}/")
    print(f"  orders (JSON)        {stack.sandbox.url}/_sandbox/orders")
    print(f"  worker metrics       {stack.metrics_url}")
    print(f"  logs                 {stack.workdir}")
    print(
        f"  dead letters         CDPW_KAFKA_BOOTSTRAP_SERVERS={stack.bootstrap} CDPW_DLQ_TOPIC={DLQ} "
        "cdp-worker dlq inspect"
    )


def _count(payload: object) -> int:
    if isinstance(payload, list):
        return len(payload)
    if isinstance(payload, dict):
        for key in ("total", "count"):
            if isinstance(payload.get(key), int):
                return int(payload[key])
        items = payload.get("items") or payload.get("orders") or payload.get("rejections") or []
        return len(items) if isinstance(items, list) else 0
    return 0


def demo(keep_running: bool = False, guests: int = 300) -> int:
    """Run the demo; returns 0 when every published record was finished."""
    with _stack() as stack:
        _step(
            4,
            f"worker: sink {_worker_env('', stack.sandbox, 0, stack.workdir)['CDPW_SINK']}, "
            f"metrics {stack.metrics_url}",
        )
        published, orders = _publish(stack.bootstrap, guests)
        _step(
            5,
            f"traffic: {guests} guests, {published} records ({orders} orders, {len(BAD_RECORDS)} bad ones)",
        )
        _step(6, "processing")
        seconds, finished = _wait_caught_up(stack, published)
        _summary(stack, published, orders, seconds)
        if keep_running:
            print("\nRunning until Ctrl-C ...", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while stack.worker.poll() is None:
                    time.sleep(1)
    return 0 if finished >= published else 1
