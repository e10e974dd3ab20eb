"""The worker under test: one ``cdp`` worker process (default concurrency) against a sandbox.

Two phases on the same process: first ``paced`` orders published at a steady, modest rate, for the
end-to-end latency (Kafka timestamp → CHECKOUT accepted by the sandbox); then the ``backlog``
published at once, for throughput, CPU per Stream call and memory (stopped after ``cap_s``).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from sandbox.testing import RunningSandbox
from tests.bench.figures import Latency, RunFigures, percentile
from tests.bench.orderload import OrderTraffic, publish_backlog, publish_paced
from tests.bench.procstat import cpu_seconds, memory_kib
from tests.bench.stage import order_created_at, sandbox_cpu
from tests.support.stack import Topics
from tests.support.worker_process import WorkerProcess

FINISHED = "cdpw_records_finished_total"
CALLS = "cdpw_cdp_requests_total"


@dataclass(frozen=True)
class WorkerRunOptions:
    """Pace of the latency phase and the time cap of the throughput phase."""

    paced_per_s: float = 10.0
    cap_s: float = 40.0
    extra_env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WorkerFigures:
    throughput: RunFigures
    latency: Latency
    pid: int


def worker_env(bootstrap: str, topics: Topics, sandbox: RunningSandbox) -> dict[str, str]:
    """The integration tests' ``cdp`` worker settings, with the product's default concurrency."""
    return {
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": topics.source,
        "CDPW_KAFKA_GROUP_ID": topics.group, "CDPW_DLQ_TOPIC": topics.dlq, "CDPW_STATE_TOPIC": topics.state,
        "CDPW_SINK": "cdp", "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
        "CDPW_CDP_API_TOKEN": sandbox.api_token, "CDPW_LOG_LEVEL": "WARNING",
    }  # fmt: skip


def run_worker(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, traffic: OrderTraffic, options: WorkerRunOptions
) -> WorkerFigures:
    env = {**worker_env(bootstrap, topics, sandbox), **dict(options.extra_env)}
    worker = WorkerProcess(env=env, log_path=Path(sandbox.log_path).with_name("worker.log")).start()
    assert worker.process is not None
    try:
        worker.wait_ready(60)
        latency = _latency_phase(bootstrap, topics, sandbox, worker, traffic, options)
        throughput = _throughput_phase(bootstrap, topics, sandbox, worker, traffic, options)
        return WorkerFigures(throughput, latency, worker.process.pid)
    finally:
        worker.kill()


def _latency_phase(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, worker: WorkerProcess,
    traffic: OrderTraffic, options: WorkerRunOptions,
) -> Latency:  # fmt: skip
    stamps = publish_paced(bootstrap, topics.source, traffic.paced, options.paced_per_s)
    _wait_finished(worker, len(traffic.paced), time.monotonic() + 60)
    created = order_created_at(sandbox, len(traffic.paced) + 10)
    delays = [(created[ref] - stamp) * 1000 for ref, stamp in stamps.items() if ref in created]
    return Latency(options.paced_per_s, len(delays), len(stamps) - len(delays),
                   percentile(delays, 0.5), percentile(delays, 0.99))  # fmt: skip


def _throughput_phase(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, worker: WorkerProcess,
    traffic: OrderTraffic, options: WorkerRunOptions,
) -> RunFigures:  # fmt: skip
    assert worker.process is not None
    pid, before = worker.process.pid, len(traffic.paced)
    calls0, failed0 = _calls(worker)
    started, cpu0, sandbox0 = time.monotonic(), cpu_seconds(pid), sandbox_cpu(sandbox)
    publish_backlog(bootstrap, topics.source, traffic.backlog)
    done = _wait_finished(worker, before + len(traffic.backlog), started + options.cap_s) - before
    seconds = time.monotonic() - started
    cpu, sandbox_used = cpu_seconds(pid) - cpu0, sandbox_cpu(sandbox) - sandbox0
    calls1, failed1 = _calls(worker)
    calls, failed = int(calls1 - calls0), int(failed1 - failed0)
    peak = memory_kib(pid)["VmHWM"] / 1024
    return RunFigures("worker", int(done), calls, seconds, cpu, sandbox_used, failed, peak)


def _calls(worker: WorkerProcess) -> tuple[float, float]:
    """Stream calls made so far, and how many of them were not answered 2xx (one scrape)."""
    total = failed = 0.0
    for line in httpx.get(f"{worker.url}/metrics", timeout=10).text.splitlines():
        if line.startswith(CALLS + "{") and 'api="stream"' in line:
            value = float(line.rpartition(" ")[2])
            total += value
            failed += 0.0 if 'status_class="2xx"' in line else value
    return total, failed


def _wait_finished(worker: WorkerProcess, records: int, deadline: float) -> float:
    """Poll the worker's finished-records counter until it reaches ``records`` or ``deadline``."""
    done = 0.0
    while time.monotonic() < deadline:
        assert worker.process is not None and worker.process.poll() is None, worker.tail()
        with contextlib.suppress(httpx.HTTPError):
            done = worker.metric(FINISHED)
        if done >= records:
            break
        time.sleep(0.2)
    return done
