"""``cdp-worker backfill``: historical orders through the Batch API, split files, progress and report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.corrections.workload import workload


def test_backfill_uploads_history_in_split_files_and_reports_rejections(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    imports = [
        e for _, e in workload(orders=360, seed=3, import_ratio=1.0) if e["event_type"] == "OrderImported"
    ]
    history = [e for e in imports if not e["guest"]["anonymous"]]  # Batch orders need a contact
    # CDP's Batch refuses this card type:
    history[7]["order"]["payment"] = {"type": "Card", "card_type": "Amex"}
    lines = [json.dumps(e) for e in history]
    lines.insert(3, "{not json")
    source = tmp_path / "orders.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {
        **os.environ, "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
        "CDPW_CDP_API_TOKEN": sandbox.api_token, "CDPW_BATCH_MAX_RECORDS": "120",
        "CDPW_BATCH_MAX_BYTES": "8192", "CDPW_BATCH_MAX_AGE_S": "0.2", "CDPW_BATCH_POLL_BASE_S": "0.05",
        "CDPW_BATCH_POLL_MAX_S": "0.5",
    }  # fmt: skip
    rejected = tmp_path / "rejected.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "worker", "backfill", "--file", str(source), "--rejected", str(rejected)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    total = len(history) + 1
    assert f"backfill: {total} records, {len(history) - 1} accepted, 2 rejected" in done.stdout
    assert f"{total}/{total}" in done.stderr  # the progress bar reached the end
    reasons = {row["line"]: row["reason"] for row in map(json.loads, rejected.read_text().splitlines())}
    assert "invalid" in reasons[4]
    assert "cardType" in reasons[9]

    orders = httpx.get(f"{sandbox.url}/_sandbox/orders", params={"limit": "100000"}, timeout=30).json()[
        "items"
    ]
    assert sorted(o["referenceId"] for o in orders) == sorted(
        e["order"]["order_id"].upper() for n, e in enumerate(history) if n != 7
    )
    assert {o["createdBy"] for o in orders} == {"batch"}
    batches = httpx.get(f"{sandbox.url}/_sandbox/batches", timeout=30).json()["items"]
    assert len(batches) > len(history) // 120 + 1, "files must be split at the size limit"
