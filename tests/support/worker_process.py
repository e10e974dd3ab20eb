"""A real worker process for integration tests: started with CDPW_* variables, probed over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from worker.embedded import free_port
from worker.metrics import metric_sum

TEST_KAFKA = {
    "CDPW_KAFKA_SESSION_TIMEOUT_MS": "2000",
    "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    "CDPW_COMMIT_INTERVAL_S": "0.2",
    "CDPW_LOG_FORMAT": "text",
}


@dataclass
class WorkerProcess:
    """A ``python -m worker run`` child process."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            **TEST_KAFKA,
            **self.env,
            "CDPW_METRICS_HOST": "127.0.0.1",
            "CDPW_METRICS_PORT": str(self.port),
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worker", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until /readyz answers 200 (partitions assigned)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.tail()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"worker not ready after {timeout}s\n{self.tail()}")

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels``."""
        return metric_sum(httpx.get(f"{self.url}/metrics", timeout=5).text, name, **labels)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def terminate(self, timeout: float = 40.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def read_processed(path: Path) -> list[dict[str, Any]]:
    """Lines written by the record sink (a torn last line from a killed process is skipped)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows
