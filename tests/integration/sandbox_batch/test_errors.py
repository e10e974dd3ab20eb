"""Every documented Batch API rejection: allocate (401/415/400/404) and the pre-signed upload (403/400)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import httpx

from sandbox.testing import RunningSandbox, running_sandbox
from tests.integration.sandbox_batch import batchkit as kit
from tests.integration.sandbox_rest.restkit import assert_error, unique

FIFTY_MB = 50 * 1024 * 1024


def _file() -> bytes:
    return kit.gzipped([kit.record("order", "insert", kit.order_value(unique("E")))])


def test_allocate_without_credentials_is_401(sandbox: RunningSandbox) -> None:
    response = httpx.put(f"{sandbox.url}/v2/batches/{uuid.uuid4()}", json={"checksum": "0" * 32, "size": 1})
    assert_error(response, 401)


def test_status_with_a_wrong_api_token_is_401(sandbox: RunningSandbox) -> None:
    response = httpx.get(f"{sandbox.url}/v2/batches/{uuid.uuid4()}", auth=(sandbox.client_key, "wrong"))
    assert_error(response, 401)


def test_allocate_without_json_content_type_is_415(client: httpx.Client) -> None:
    response = client.put(
        f"/v2/batches/{uuid.uuid4()}", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 415)


def test_allocate_with_a_malformed_checksum_is_400(client: httpx.Client) -> None:
    assert_error(client.put(f"/v2/batches/{uuid.uuid4()}", json={"checksum": "abc", "size": 10}), 400)


def test_allocate_over_50_mb_is_400(client: httpx.Client) -> None:
    body = {"checksum": "0" * 32, "size": FIFTY_MB + 1}
    assert_error(client.put(f"/v2/batches/{uuid.uuid4()}", json=body), 400)


def test_allocate_with_a_batch_ref_that_is_not_a_uuid_is_400(client: httpx.Client) -> None:
    assert_error(client.put("/v2/batches/batch-1", json={"checksum": "0" * 32, "size": 10}), 400)


def test_reusing_a_batch_ref_is_400(client: httpx.Client) -> None:
    ref = uuid.uuid4()
    client.put(f"/v2/batches/{ref}", json={"checksum": "0" * 32, "size": 10}).raise_for_status()
    assert_error(client.put(f"/v2/batches/{ref}", json={"checksum": "0" * 32, "size": 10}), 400)


def test_allocating_while_another_batch_processes_is_400(client: httpx.Client) -> None:
    data = _file()
    allocated = kit.allocate(client, data)
    kit.upload(allocated, data).raise_for_status()
    assert_error(client.put(f"/v2/batches/{uuid.uuid4()}", json={"checksum": "0" * 32, "size": 10}), 400)
    kit.wait_terminal(client, allocated["ref"])


def test_status_of_an_unknown_batch_is_404(client: httpx.Client) -> None:
    assert_error(client.get(f"/v2/batches/{uuid.uuid4()}"), 404)
    assert_error(client.get(f"/v2/batches/inspect/{uuid.uuid4()}"), 404)


def _s3_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.text.split("<Code>")[1].split("</Code>")[0]


def test_upload_without_server_side_encryption_header_is_403(client: httpx.Client) -> None:
    data = _file()
    allocated = kit.allocate(client, data)
    headers = kit.upload_headers(kit.md5_hex(data))
    del headers["x-amz-server-side-encryption"]
    response = httpx.put(str(allocated["location"]["href"]), content=data, headers=headers)
    assert _s3_code(response, 403) == "SignatureDoesNotMatch"


def test_upload_with_hex_instead_of_base64_content_md5_is_400(client: httpx.Client) -> None:
    data = _file()
    allocated = kit.allocate(client, data)
    headers = kit.upload_headers(kit.md5_hex(data)) | {"Content-MD5": kit.md5_hex(data)}
    response = httpx.put(str(allocated["location"]["href"]), content=data, headers=headers)
    assert _s3_code(response, 400) == "InvalidDigest"


def test_upload_whose_body_does_not_match_content_md5_is_400(client: httpx.Client) -> None:
    data = _file()
    allocated = kit.allocate(client, data)
    headers = kit.upload_headers(kit.md5_hex(b"something else"))
    response = httpx.put(str(allocated["location"]["href"]), content=data, headers=headers)
    assert _s3_code(response, 400) == "BadDigest"


def test_upload_with_basic_auth_is_rejected(client: httpx.Client) -> None:
    data = _file()
    allocated = kit.allocate(client, data)
    headers = kit.upload_headers(kit.md5_hex(data)) | {
        "Authorization": "Basic " + base64.b64encode(b"a:b").decode()
    }
    response = httpx.put(str(allocated["location"]["href"]), content=data, headers=headers)
    assert _s3_code(response, 400) == "InvalidArgument"


def test_second_upload_to_the_same_url_is_403(client: httpx.Client) -> None:
    data = _file()
    allocated = kit.allocate(client, data)
    kit.upload(allocated, data).raise_for_status()
    assert _s3_code(kit.upload(allocated, data), 403) == "AccessDenied"
    kit.wait_terminal(client, allocated["ref"])


def test_upload_over_50_mb_is_refused(client: httpx.Client) -> None:
    allocated = kit.allocate(client, b"x" * 16, checksum="0" * 32)
    big = b"\0" * (FIFTY_MB + 1)
    response = httpx.put(
        str(allocated["location"]["href"]),
        content=big,
        headers=kit.upload_headers("0" * 32),
        timeout=30.0,
    )
    assert _s3_code(response, 400) == "EntityTooLarge"


def test_upload_url_expires_after_one_hour_of_sandbox_time(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as sandbox:
        client = httpx.Client(base_url=sandbox.url, auth=sandbox.basic_auth)
        data = _file()
        allocated = kit.allocate(client, data)
        client.post("/_sandbox/clock", json={"advance_seconds": 3601}).raise_for_status()
        assert _s3_code(kit.upload(allocated, data), 403) == "AccessDenied"
        assert client.get(f"/v2/batches/{allocated['ref']}").json()["status"] == {"code": "uploading"}


def test_inspect_with_a_malformed_created_before_is_400(client: httpx.Client) -> None:
    assert_error(client.get("/v2/batches/inspect", params={"createdBefore": "yesterday"}), 400)
