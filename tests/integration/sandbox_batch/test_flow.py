"""Batch uploads end to end over real HTTP: success, corrupted, error log, order delete, upsert."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.sandbox.stream_client import StreamClient
from tests.integration.sandbox_batch import batchkit as kit
from tests.integration.sandbox_rest.restkit import create_order, unique


def _orders(client: httpx.Client, reference_id: str) -> list[dict[str, Any]]:
    body = client.get("/v2.1/orders", params={"referenceId": reference_id, "expand": "true"}).json()
    items: list[dict[str, Any]] = body["items"]
    return items


def test_upload_goes_through_uploading_file_uploaded_processing_to_success(client: httpx.Client) -> None:
    reference_id = unique("B")
    data = kit.gzipped([kit.record("order", "insert", kit.order_value(reference_id))])
    allocated = kit.allocate(client, data)
    assert allocated["status"] == {"code": "uploading"}
    assert "expiry" in allocated["location"]
    assert kit.upload(allocated, data).status_code == 200
    seen = {client.get(f"/v2/batches/inspect/{allocated['ref']}").json()["status"]["code"]}
    final = kit.wait_terminal(client, allocated["ref"])
    assert seen <= {"file_uploaded", "processing"}
    assert final["status"] == {"code": "success"}
    assert final["stats"] == {
        "timeTakenMs": final["stats"]["timeTakenMs"],
        "totalRecords": 1,
        "successCount": 1,
        "failureCount": 0,
    }
    (order,) = _orders(client, reference_id)
    lines = client.get(f"{order['orderItems']['href']}", params={"expand": "true"}).json()["items"]
    assert [(line["name"], line["price"]) for line in lines] == [("Hiking Boot", 80.0)]
    assert client.get(f"{order['href']}/extensions/ext").json()["giftWrap"] is True


def test_batch_orders_are_marked_as_written_by_batch(client: httpx.Client) -> None:
    reference_id = unique("B")
    kit.run_batch(client, [kit.record("order", "insert", kit.order_value(reference_id))])
    state = client.get("/_page/state.json").json()
    orders = [o for g in state["guests"] for o in g["orders"] if o["referenceId"] == reference_id]
    assert [(o["createdBy"], o["lines"][0]["ext"]) for o in orders] == [("batch", {"bootSize": 44})]


def test_checksum_in_upper_case_hex_makes_the_batch_corrupted(client: httpx.Client) -> None:
    data = kit.gzipped([kit.record("order", "insert", kit.order_value(unique("B")))])
    allocated = kit.allocate(client, data, checksum=kit.md5_hex(data).upper())
    assert kit.upload(allocated, data).status_code == 200
    assert kit.wait_terminal(client, allocated["ref"])["status"] == {"code": "corrupted"}


def test_file_of_another_size_makes_the_batch_corrupted(client: httpx.Client) -> None:
    data = kit.gzipped([kit.record("order", "insert", kit.order_value(unique("B")))])
    other = kit.gzipped([kit.record("order", "insert", kit.order_value(unique("B"))), b"{}"])
    allocated = kit.allocate(client, data)
    assert kit.upload(allocated, other).status_code == 200
    assert kit.wait_terminal(client, allocated["ref"])["status"] == {"code": "corrupted"}


def test_bad_records_give_error_with_one_log_line_each_naming_its_ref(client: httpx.Client) -> None:
    good = kit.record("order", "insert", kit.order_value(unique("B")))
    refs = [kit.record_ref() for _ in range(4)]
    too_many = [{"name": "ext", "key": "default", **{f"k{i}": i for i in range(51)}}]
    bad = [
        kit.record("order", "insert", {"referenceId": "X"}, ref=refs[0]),
        kit.record("order", "merge", kit.order_value(unique("B")), ref=refs[1]),
        kit.record("guest", "insert", {"email": "a@example.com"}, ref=refs[2]),
        kit.record("order", "insert", kit.order_value(unique("B"), extensions=too_many), ref=refs[3]),
        b'{"ref": "not json"',
    ]
    final = kit.run_batch(client, [good, *bad])
    assert final["status"]["code"] == "error"
    log = kit.error_log(final)
    assert [(line["ref"], line["code"]) for line in log] == [
        (refs[0], "400"),
        (refs[1], "402"),
        (refs[2], "402"),
        (refs[3], "400"),
        ("null", "400"),
    ]
    assert final["stats"]["successCount"] == 1


def test_order_delete_removes_the_order_within_24_hours(client: httpx.Client) -> None:
    reference_id = unique("B")
    kit.run_batch(client, [kit.record("order", "insert", kit.order_value(reference_id))])
    delete = {"referenceId": reference_id, "orderedAt": "2026-11-01T20:00:00.000Z"}
    final = kit.run_batch(client, [kit.record("order", "delete", delete)])
    assert final["status"] == {"code": "success"}
    assert _orders(client, reference_id) == []


def test_order_delete_outside_24_hours_or_ambiguous_is_logged(client: httpx.Client) -> None:
    reference_id = unique("B")
    create_order(client, reference_id, orderedAt="2026-11-01T10:00:00.000Z")
    create_order(client, reference_id, orderedAt="2026-11-05T10:00:00.000Z")
    far, ambiguous = kit.record_ref(), kit.record_ref()
    lines = [
        kit.record(
            "order", "delete", {"referenceId": reference_id, "orderedAt": "2026-11-02T10:00:01.000Z"}, far
        ),
        kit.record("order", "delete", {"referenceId": reference_id}, ambiguous),
    ]
    log = kit.error_log(kit.run_batch(client, lines))
    assert [(line["ref"], line["code"]) for line in log] == [(far, "404"), (ambiguous, "400")]
    assert len(_orders(client, reference_id)) == 2


def test_order_upsert_updates_a_rest_order_and_replaces_its_lines(client: httpx.Client) -> None:
    reference_id = unique("B")
    created = create_order(client, reference_id)
    value = kit.order_value(reference_id, status="REFUNDED")
    del value["price"], value["currencyCode"]
    final = kit.run_batch(client, [kit.record("order", "upsert", value)])
    assert final["status"] == {"code": "success"}
    (order,) = _orders(client, reference_id)
    assert (order["ref"], order["status"], order["price"]) == (created["ref"], "REFUNDED", 129.9)
    state = client.get("/_page/state.json").json()
    shown = next(o for g in state["guests"] for o in g["orders"] if o["ref"] == created["ref"])
    assert (shown["createdBy"], shown["modifiedBy"]) == ("rest", "batch")
    assert [h["api"] for h in shown["history"]] == ["rest", "batch"]


def test_guest_upsert_then_delete(client: httpx.Client) -> None:
    email = f"{unique('g').lower()}@example.com"
    guest = {
        "guestType": "customer",
        "email": email,
        "firstName": "Lu",
        "identifiers": [{"provider": "email", "id": email}],
    }
    assert kit.run_batch(client, [kit.record("guest", "upsert", guest)])["status"] == {"code": "success"}
    assert len(client.get("/v2.1/guests", params={"email": email}).json()["items"]) == 1
    assert kit.run_batch(client, [kit.record("guest", "delete", {"email": email})])["status"] == {
        "code": "success"
    }
    assert client.get("/v2.1/guests", params={"email": email}).json()["items"] == []


def test_a_zip_file_ends_in_error_without_a_log(client: httpx.Client) -> None:
    data = b"PK\x03\x04" + b"\x00" * 60
    allocated = kit.allocate(client, data)
    assert kit.upload(allocated, data).status_code == 200
    assert kit.wait_terminal(client, allocated["ref"])["status"] == {"code": "error"}


def test_inspect_lists_batches_filtered_by_status(client: httpx.Client) -> None:
    final = kit.run_batch(client, [kit.record("order", "insert", kit.order_value(unique("B")))])
    listed = client.get("/v2/batches/inspect", params={"status": "success", "limit": 100}).json()
    assert set(listed) == {"totalCount", "offset", "limit", "items"}
    assert final["ref"] in [item["ref"] for item in listed["items"]]
    assert {item["status"] for item in listed["items"]} == {"success"}


def test_inspect_lists_only_batches_created_before_the_given_time(client: httpx.Client) -> None:
    final = kit.run_batch(client, [kit.record("order", "insert", kit.order_value(unique("B")))])
    early = client.get("/v2/batches/inspect", params={"createdBefore": "2000-01-01T00:00:00Z"}).json()
    later = client.get(
        "/v2/batches/inspect", params={"createdBefore": "2999-01-01T00:00:00Z", "limit": 100}
    ).json()
    assert early["totalCount"] == 0
    assert final["ref"] in [item["ref"] for item in later["items"]]


def test_deleting_a_guest_with_an_active_session_is_not_allowed(
    sandbox: RunningSandbox, client: httpx.Client
) -> None:
    stream = StreamClient(httpx.Client(base_url=sandbox.url), sandbox.client_key)
    browser, email = stream.browser(), f"{unique('s').lower()}@example.com"
    stream.identify(browser, email)
    delete = kit.record_ref()
    log = kit.error_log(kit.run_batch(client, [kit.record("guest", "delete", {"email": email}, delete)]))
    assert [(line["ref"], line["code"]) for line in log] == [(delete, "403")]
    assert len(client.get("/v2.1/guests", params={"email": email}).json()["items"]) == 1


def test_reset_cancels_a_batch_in_flight_and_frees_the_upload_slot(client: httpx.Client) -> None:
    data = kit.gzipped([kit.record("order", "insert", kit.order_value(unique("B")))])
    allocated = kit.allocate(client, data)
    kit.upload(allocated, data).raise_for_status()
    client.post("/_sandbox/reset").raise_for_status()
    assert client.get(f"/v2/batches/{allocated['ref']}").status_code == 404
    final = kit.run_batch(client, [kit.record("order", "insert", kit.order_value(unique("B")))])
    assert final["status"] == {"code": "success"}
