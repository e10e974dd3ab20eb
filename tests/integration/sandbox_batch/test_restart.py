"""A sandbox restarted on the same --db keeps batches and REST orders, and finishes interrupted batches."""

from __future__ import annotations

from pathlib import Path

import httpx

from sandbox.testing import running_sandbox
from tests.integration.sandbox_batch import batchkit as kit
from tests.integration.sandbox_rest.restkit import create_order, unique


def test_restart_with_db_keeps_batches_and_rest_orders(tmp_path: Path) -> None:
    db = tmp_path / "cdp.db"
    reference_id = unique("R")
    with running_sandbox(tmp_path, db=db) as first:
        client = httpx.Client(base_url=first.url, auth=first.basic_auth)
        order = create_order(client, reference_id)
        done = kit.run_batch(client, [kit.record("order", "insert", kit.order_value(unique("R")))])
        data = kit.gzipped([kit.record("order", "insert", kit.order_value(unique("R")))])
        pending = kit.allocate(client, data)
        kit.upload(pending, data).raise_for_status()
    with running_sandbox(tmp_path, db=db) as second:
        client = httpx.Client(base_url=second.url, auth=second.basic_auth)
        assert client.get(f"/v2/batches/{done['ref']}").json()["status"] == {"code": "success"}
        assert client.get(f"/v2.1/orders/{order['ref']}").json()["referenceId"] == reference_id
        assert kit.wait_terminal(client, pending["ref"])["status"] == {"code": "success"}
