"""Runtime throughput with the log sink, and memory with a large backlog (one worker process)."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from confluent_kafka import Producer

from tests.bench.procstat import cpu_seconds, memory_kib
from tests.support.kafka import create_topics
from tests.support.worker_process import WorkerProcess
from worker.tools.traffic import generate


def _publish(bootstrap: str, topic: str, count: int) -> float:
    sample = [(k, json.dumps(e).encode()) for k, e in generate(400, sessions_per_guest=2)]
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 20,
            "batch.num.messages": 10000,
            "queue.buffering.max.messages": 500000,
        }
    )
    started = time.monotonic()
    for n in range(count):
        key, value = sample[n % len(sample)]
        while True:
            try:
                producer.produce(topic, value=value, key=key.encode())
                break
            except BufferError:
                producer.poll(0.05)
        if n % 10000 == 0:
            producer.poll(0)
    producer.flush(120)
    return count / (time.monotonic() - started)


def run(bootstrap: str, records: int, max_in_flight: int = 1000) -> dict[str, float]:
    """Publish ``records`` first (a backlog), then let one worker drain it; return the figures."""
    suffix = str(int(time.time() * 1000))
    topic, dlq = f"bench-{suffix}", f"bench-dlq-{suffix}"
    create_topics(bootstrap, (topic, 6), (dlq, 1))
    produce_rate = _publish(bootstrap, topic, records)
    workdir = Path(tempfile.mkdtemp(prefix="cdpw-bench-"))
    worker = WorkerProcess(
        env={
            "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "CDPW_KAFKA_TOPICS": topic,
            "CDPW_DLQ_TOPIC": dlq,
            "CDPW_KAFKA_GROUP_ID": f"bench-{suffix}",
            "CDPW_SINK": "log",
            "CDPW_LOG_LEVEL": "WARNING",
            "CDPW_MAX_IN_FLIGHT": str(max_in_flight),
            "CDPW_COMMIT_INTERVAL_S": "1.0",
        },
        log_path=workdir / "worker.log",
    ).start()
    assert worker.process is not None
    pid = worker.process.pid
    try:
        worker.wait_ready(60)
        first = time.monotonic()
        cpu0 = cpu_seconds(pid)
        peak_rss = 0
        while (done := worker.metric("cdpw_records_finished_total")) < records:
            peak_rss = max(peak_rss, memory_kib(pid)["VmRSS"])
            time.sleep(0.25)
            if time.monotonic() - first > 1800:
                raise RuntimeError(f"only {done} of {records} finished after 30 minutes")
        elapsed = time.monotonic() - first
        cpu = cpu_seconds(pid) - cpu0
        peak = max(peak_rss, memory_kib(pid)["VmHWM"])
    finally:
        worker.terminate(60)
    return {
        "records": records,
        "produce_per_s": produce_rate,
        "records_per_s": records / elapsed,
        "cpu_us_per_record": cpu / records * 1e6,
        "peak_rss_mib": peak / 1024,
    }
