"""A real Prometheus server on loopback for tests: scrapes given targets, evaluates given rules."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.ops.tools import tool
from worker.embedded import free_port, wait_for_port


@dataclass
class PrometheusServer:
    """``prometheus`` with a 1 s scrape and evaluation interval, storing into ``directory``."""

    directory: Path
    job: str
    targets: list[str]
    rule_files: list[Path]
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    def start(self) -> PrometheusServer:
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
            "rule_files": [str(path) for path in self.rule_files],
            "scrape_configs": [{"job_name": self.job, "static_configs": [{"targets": self.targets}]}],
        }
        (self.directory / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
        self.port = free_port()
        log = (self.directory / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [tool("prometheus"), f"--config.file={self.directory / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.directory / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, timeout=15.0)
        self._wait_ready(15.0)
        return self

    def _wait_ready(self, timeout: float) -> None:
        """The port opens before the API serves: wait for ``/-/ready`` (about 0.1 s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/-/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"prometheus not ready after {timeout}s\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def api(self, path: str, **params: str) -> Any:
        """``data`` of a successful ``/api/v1/<path>`` answer; fails the test on an error status."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/api/v1/{path}", params=params, timeout=10)
        body = response.json()
        assert body["status"] == "success", f"{path} {params}: {body}"
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant-vector result of ``expr`` now."""
        data = self.api("query", query=expr)
        result: list[dict[str, Any]] = data["result"] if data["resultType"] == "vector" else [data["result"]]
        return result

    def wait_for(self, expr: str, timeout: float = 25.0) -> list[dict[str, Any]]:
        """Poll ``expr`` until it returns series (the first scrape lands ~6 s after start)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.5)

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "prometheus.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
