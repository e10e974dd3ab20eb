"""Backfill of historical orders through the Batch API: records/s, files and bytes (one sandbox process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from sandbox.testing import start_sandbox_process
from worker.tools.traffic import orders_only


def _write_orders(path: Path, count: int) -> int:
    """``count`` historical orders (OrderImported, 1 to 5 lines) as JSON lines; returns the bytes written."""
    with path.open("w", encoding="utf-8") as out:
        for _, event in orders_only(count, guests=max(count // 5, 1), seed=23):
            event["event_type"] = "OrderImported"
            event["source"] = "HISTORICAL"
            out.write(json.dumps(event) + "\n")
    return path.stat().st_size


def _batches(url: str, auth: tuple[str, str]) -> list[dict[str, Any]]:
    """Every batch the sandbox received, with its size (inspect endpoints, paged)."""
    with httpx.Client(base_url=url, auth=auth, timeout=30) as http:
        refs: list[str] = []
        while True:
            page = http.get("/v2/batches/inspect", params={"offset": len(refs), "limit": 100}).json()
            refs += [item["ref"] for item in page["items"]]
            if not page["items"] or len(refs) >= page["totalCount"]:
                break
        return [http.get(f"/v2/batches/inspect/{ref}").json() for ref in refs]


def run(count: int) -> dict[str, float]:
    """Backfill ``count`` orders into a fresh sandbox; the figures of the run."""
    workdir = Path(tempfile.mkdtemp(prefix="cdpw-backfill-"))
    source = workdir / "orders.jsonl"
    input_bytes = _write_orders(source, count)
    sandbox = start_sandbox_process(workdir, batch_delay=0.0)
    env = {**os.environ, "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
           "CDPW_CDP_API_TOKEN": sandbox.api_token, "CDPW_CDP_POINT_OF_SALE": "retail-web"}  # fmt: skip
    try:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "worker", "backfill", "--file", str(source)], env=env,
                              capture_output=True, text=True, timeout=3600, check=False)  # fmt: skip
        elapsed = time.monotonic() - started
        print(done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr[-2000:])
        batches = _batches(sandbox.url, sandbox.basic_auth)
        orders = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=30).json()
    finally:
        sandbox.stop()
    gzip_bytes = sum(int(b.get("size") or 0) for b in batches)
    return {"orders": count, "exit_code": done.returncode, "seconds": elapsed,
            "records_per_s": count / elapsed, "files": len(batches), "gzip_bytes": gzip_bytes,
            "input_bytes": input_bytes, "orders_in_cdp": float(orders.get("orders", -1))}  # fmt: skip
