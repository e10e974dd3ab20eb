"""Smoke-run the worker image: metrics answer under traffic, SIGTERM drains and exits 0.

``python -m ops.smoke_image IMAGE`` starts the embedded broker on the host, creates the topics,
produces the sample events of ``schemas/examples``, runs IMAGE with ``--network=host`` and a
read-only root filesystem (record sink on /tmp, 500 ms per record so records are in flight), and
waits until ``/metrics`` counts a finished record. It stops the container with its STOPSIGNAL while
records are in flight and checks exit code 0 within the drain deadline and that every record
finished before the stop was committed; then it checks the user, the absence of compilers and the
OCI labels.
Prints the timings; exits non-zero on any failure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from worker.embedded import EmbeddedBroker, free_port, start_broker

EXAMPLES = Path(__file__).resolve().parent.parent / "schemas" / "examples"
DRAIN_S = 10
GROUP = "cdp-worker-smoke"
PARTITIONS = 3
LABELS = ("title", "description", "version", "revision", "created", "licenses", "base.name")
FINISHED = re.compile(r'^cdpw_records_finished_total\{[^}]*outcome="done"[^}]*\} (\S+)$', re.M)


def podman(*args: str, check: bool = True) -> str:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"podman {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def prepare_topics(bootstrap: str) -> int:
    """Create the input and dead-letter topics and produce every sample event; returns the count."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics(
        [NewTopic("commerce-events", PARTITIONS, 1), NewTopic("dlq", 1, 1)]
    ).values():
        future.result(15)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    events = sorted(EXAMPLES.glob("*.json"))
    for path in events:
        event = json.loads(path.read_text(encoding="utf-8"))
        producer.produce("commerce-events", key=event["guest"]["customer_id"], value=path.read_bytes())
    if producer.flush(30) != 0:
        raise SystemExit("could not produce the sample events")
    return len(events)


def start_container(image: str, name: str, bootstrap: str, port: int) -> None:
    env = {
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": "commerce-events",
        "CDPW_DLQ_TOPIC": "dlq", "CDPW_KAFKA_GROUP_ID": GROUP, "CDPW_METRICS_HOST": "127.0.0.1",
        "CDPW_SINK": "record", "CDPW_RECORD_SINK_DELAY_MS": "500",  # the image points the sink at /tmp
        "CDPW_METRICS_PORT": str(port), "CDPW_DRAIN_TIMEOUT_S": str(DRAIN_S),
        "CDPW_KAFKA_SESSION_TIMEOUT_MS": "2000", "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    }  # fmt: skip
    flags = [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    podman("run", "--detach", "--name", name, "--network=host", "--read-only", *flags, image)


def finished_records(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        text = response.read().decode()
    return sum(float(value) for value in FINISHED.findall(text))


def wait_finished(port: int, expected: int, name: str, timeout: float = 60.0) -> float:
    """Seconds until /metrics counts at least ``expected`` finished records."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if finished_records(port) >= expected:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(
        f"/metrics never counted {expected} finished records\n{podman('logs', name, check=False)}"
    )


def check_image(image: str) -> None:
    uid = podman("run", "--rm", "--entrypoint", "python", image, "-c", "import os; print(os.getuid())")
    if uid != "10001":
        raise SystemExit(f"container runs as uid {uid}, not 10001")
    compilers = podman("run", "--rm", "--entrypoint", "sh", image, "-c", "command -v gcc cc c++ make || true")
    if compilers:
        raise SystemExit(f"compilers in the final image: {compilers}")
    labels = json.loads(podman("image", "inspect", "--format", "{{json .Labels}}", image))
    missing = [key for key in LABELS if f"org.opencontainers.image.{key}" not in labels]
    if missing:
        raise SystemExit(f"OCI labels missing: {missing}")


def committed(bootstrap: str) -> int:
    """Total committed offset of the worker's group on the input topic."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP})
    try:
        parts = [TopicPartition("commerce-events", p) for p in range(PARTITIONS)]
        return sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=10))
    finally:
        consumer.close()


def stop_and_check(name: str) -> float:
    """Stop with the image's STOPSIGNAL; returns seconds to exit; fails unless it exited 0 in time."""
    start = time.monotonic()
    podman("stop", "--time", str(DRAIN_S + 20), name)
    elapsed = time.monotonic() - start
    code = podman("inspect", "--format", "{{.State.ExitCode}}", name)
    if code != "0" or elapsed > DRAIN_S:
        raise SystemExit(f"stop: exit code {code} after {elapsed:.1f}s\n{podman('logs', name, check=False)}")
    return elapsed


def smoke(image: str, broker: EmbeddedBroker) -> None:
    name, port = f"cdpw-smoke-{broker.port}", free_port()
    count = prepare_topics(broker.bootstrap)
    start_container(image, name, broker.bootstrap, port)
    try:
        seconds = wait_finished(port, 1, name)
        done = int(finished_records(port))
        print(f"smoke: first record finished {seconds:.1f}s after start; /metrics answers")
        print(f"smoke: SIGTERM with {count - done} of {count} records unfinished")
        print(f"smoke: exit 0 in {stop_and_check(name):.2f}s (drain deadline {DRAIN_S}s)")
        total = committed(broker.bootstrap)
        if total < done:
            raise SystemExit(f"only {total} offsets committed after {done} records finished")
        print(f"smoke: {total} offsets committed (>= {done} finished before the stop)")
        check_image(image)
        print("smoke: uid 10001, no compilers, OCI labels present, read-only root filesystem")
    finally:
        podman("rm", "--force", name, check=False)


def main() -> None:
    image = sys.argv[1] if len(sys.argv) > 1 else "localhost/cdp-worker:dev"
    broker = start_broker()
    try:
        smoke(image, broker)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
