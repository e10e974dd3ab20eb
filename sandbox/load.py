"""Capacity of the sandbox for Stream events, measured with wrk (Debian package ``wrk``).

``python -m sandbox.load [--seconds 10] [--connections 32] [--browsers 200]`` starts a sandbox
process twice — in memory, then with ``--db`` — creates browsers, and lets wrk send valid ADD
events (URL-encoded JSON messages, rotating over the browsers) for the given time. It prints
requests/s, requests per CPU-second of the sandbox process (its capacity on a free core, robust
when other processes share the machine), latency percentiles and the non-2xx count.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from sandbox.testing import RunningSandbox, start_sandbox_process

LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
local codes = {}
response = function(status) codes[status] = (codes[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms %%.2f\\np99_ms %%.2f\\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


@dataclass(frozen=True)
class Result:
    """One wrk run."""

    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int
    #: Requests per CPU-second of the sandbox process: its capacity on one free core, whatever else runs.
    per_cpu_second: float


def _event_paths(running: RunningSandbox, browsers: int) -> list[str]:
    paths = []
    with httpx.Client(base_url=running.url) as http:
        for n in range(browsers):
            created = http.get(
                "/v1.2/browser/create.json", params={"client_key": running.client_key, "message": "{}"}
            )
            message = {
                "channel": "WEB", "type": "ADD", "language": "EN", "currency": "EUR", "page": "cart",
                "pos": "retail-web", "browser_id": created.json()["ref"],
                "product": {"type": "FOOTWEAR", "item_id": f"I{n % 5}", "name": "Shoe", "quantity": 1,
                            "orderedAt": "2025-03-07T16:15:11.000Z", "price": 19.99, "productId": "P1",
                            "currency": "EUR", "referenceId": "R1"},
            }  # fmt: skip
            query = urllib.parse.urlencode(
                {"client_key": running.client_key, "message": orjson.dumps(message)}
            )
            paths.append(f"/v1.2/event/create.json?{query}")
    return paths


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def _run_wrk(url: str, script: Path, seconds: int, connections: int) -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def measure(
    label: str, workdir: Path, seconds: int, connections: int, browsers: int, db: Path | None
) -> Result:
    """Start a sandbox (with ``--db`` when ``db`` is set), load it with wrk, stop it, return the figures."""
    running = start_sandbox_process(workdir, db=db)
    try:
        paths_file = workdir / f"paths-{label}.txt"
        paths_file.write_text("\n".join(_event_paths(running, browsers)) + "\n")
        script = workdir / f"load-{label}.lua"
        script.write_text(LUA % {"paths": paths_file})
        cpu_before = _cpu_seconds(running.process.pid)
        output = _run_wrk(running.url, script, seconds, connections)
        cpu = _cpu_seconds(running.process.pid) - cpu_before
        events = httpx.get(f"{running.url}/_sandbox/events", params={"browserId": "none"}).status_code
    finally:
        running.stop()
    assert events == 200  # the sandbox still answered after the run
    return Result(
        label=label,
        requests_per_second=_number(r"Requests/sec:\s+([\d.]+)", output),
        p50_ms=_number(r"p50_ms ([\d.]+)", output),
        p99_ms=_number(r"p99_ms ([\d.]+)", output),
        non_2xx=int(_number(r"Non-2xx or 3xx responses:\s+(\d+)", output)),
        requests=int(_number(r"(\d+) requests in", output)),
        per_cpu_second=_number(r"(\d+) requests in", output) / cpu if cpu > 0 else 0.0,
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    """Measure in memory and with ``--db``; print one line per run."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.load", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--browsers", type=int, default=200)
    ns = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sandbox-load-") as tmp:
        workdir = Path(tmp)
        runs = [
            measure("memory", workdir, ns.seconds, ns.connections, ns.browsers, None),
            measure("sqlite-file", workdir, ns.seconds, ns.connections, ns.browsers, workdir / "load.db"),
        ]
    for r in runs:
        print(
            f"sandbox Stream ADD events [{r.label}]: {r.requests_per_second:.0f} req/s "
            f"({r.per_cpu_second:.0f} per sandbox CPU-second), p50 {r.p50_ms:.2f} ms, "
            f"p99 {r.p99_ms:.2f} ms, {r.requests} requests, non-2xx {r.non_2xx}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
