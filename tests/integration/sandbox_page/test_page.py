"""The web page at / in headless Chromium: a guest's Orders tab shows REST-created orders and lines."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from sandbox.testing import RunningSandbox, running_sandbox
from tests.conftest import ARTIFACTS
from tests.integration.sandbox_batch import batchkit as kit
from tests.integration.sandbox_rest.restkit import create_order, item_body, unique

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="chromium is installed by make system-deps"
)


def _argv(profile: Path, url: str, *mode: str, budget_ms: int = 5000) -> list[str]:
    return [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900", f"--virtual-time-budget={budget_ms}",
        *mode, url,
    ]  # fmt: skip


def _chromium(profile: Path, url: str, *mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_argv(profile, url, *mode), capture_output=True, text=True, timeout=90, check=True)


def _seed(sandbox: RunningSandbox) -> tuple[str, str]:
    """A guest with a REST order (line + extension) and a Batch order; returns (guest ref, referenceId)."""
    client = httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth)
    reference_id = unique("ORD")
    order = create_order(client, reference_id)
    client.post(
        f"/v2.1/orders/{order['ref']}/orderItems", json=item_body("Trail Runner 2")
    ).raise_for_status()
    client.post(f"/v2.1/orders/{order['ref']}/extensions/ext", json={"giftWrap": True}).raise_for_status()
    contact = {"firstName": "Ann", "lastName": "Lee", "emails": ["ann.lee@example.com"]}
    guest_href = client.post(f"/v2.1/orders/{order['ref']}/contacts", json=contact).json()["guest"]["href"]
    batch_order = kit.order_value(unique("ORD"), contact={"email": "ann.lee@example.com"})
    kit.run_batch(client, [kit.record("order", "insert", batch_order)])
    return str(guest_href).rsplit("/", 1)[-1], reference_id


def test_orders_tab_shows_reference_ids_lines_and_extensions(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as sandbox:
        guest_ref, reference_id = _seed(sandbox)
        url = f"{sandbox.url}/#guest={guest_ref}&tab=orders"
        dom = _chromium(tmp_path / "profile-dom", url, "--dump-dom").stdout
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot = ARTIFACTS / "sandbox-page.png"
        _chromium(tmp_path / "profile-shot", url, f"--screenshot={screenshot}")
    assert reference_id in dom
    assert "Trail Runner 2" in dom
    assert "Hiking Boot" in dom
    assert "giftWrap" in dom
    assert 'class="api batch"' in dom
    assert '<span class="badge success">success</span>' in dom
    assert screenshot.stat().st_size > 10_000


def _state_polls(client: httpx.Client) -> int:
    (rule,) = client.get("/_sandbox/faults").json()["rules"]
    return int(rule["counts"].get("requests", 0))


def test_open_page_shows_an_order_created_after_it_loaded(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as sandbox:
        client = httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth)
        # A little real latency on each poll keeps Chromium's virtual clock from racing through all polls.
        rule = {"api": "other", "path": "/_page/state.json", "latency_ms": {"fixed": 150}}
        client.post("/_sandbox/faults", json=rule).raise_for_status()
        argv = _argv(tmp_path / "profile", f"{sandbox.url}/#tab=orders", "--dump-dom", budget_ms=10000)
        browser = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 30
        while _state_polls(client) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        polls_before_order = _state_polls(client)
        reference_id = unique("LIVE")
        order = create_order(client, reference_id)
        client.post(
            f"/v2.1/orders/{order['ref']}/contacts", json={"emails": ["live@example.com"]}
        ).raise_for_status()
        dom, _ = browser.communicate(timeout=90)
        polls_total = _state_polls(client)
    assert polls_before_order >= 2
    assert polls_total > polls_before_order + 1
    assert reference_id in dom
