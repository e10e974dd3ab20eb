"""Helpers for Batch API tests: build NDJSON files, allocate, upload to the pre-signed URL, poll."""

from __future__ import annotations

import base64
import gzip
import hashlib
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

TERMINAL = ("success", "error", "corrupted")
NAMESPACE = uuid.UUID("6f1c1a52-3c2e-4a52-9c55-2d7a7e5b0c11")


def record_ref() -> str:
    """A fresh version-5 UUID (the strict reading of the record ``ref`` rule)."""
    return str(uuid.uuid5(NAMESPACE, uuid.uuid4().hex))


def record(schema: str, mode: str, value: Mapping[str, object], ref: str | None = None) -> bytes:
    """One NDJSON line."""
    return orjson.dumps({"ref": ref or record_ref(), "schema": schema, "mode": mode, "value": value})


def order_value(reference_id: str, **overrides: object) -> dict[str, Any]:
    """A valid order ``insert`` value with one line and data extensions."""
    value: dict[str, Any] = {
        "referenceId": reference_id,
        "channel": "WEB",
        "pointOfSale": "retail-web",
        "status": "PURCHASED",
        "orderedAt": "2026-11-01T10:00:00.000Z",
        "currencyCode": "EUR",
        "price": 80.0,
        "paymentType": "Card",
        "cardType": "Visa",
        "contact": {"email": f"{reference_id.lower()}@example.com", "firstName": "Bo"},
        "orderItems": [
            {
                "type": "FOOTWEAR",
                "productId": "SKU-9",
                "name": "Hiking Boot",
                "description": "Waterproof",
                "vendor": "Acme",
                "price": 80.0,
                "currencyCode": "EUR",
                "quantity": 1,
                "extensions": [{"name": "ext", "key": "default", "bootSize": 44}],
            }
        ],
        "extensions": [{"name": "ext", "key": "default", "giftWrap": True}],
    }
    return value | overrides


def gzipped(lines: list[bytes]) -> bytes:
    """The gzipped NDJSON file."""
    return gzip.compress(b"".join(line + b"\n" for line in lines))


def md5_hex(data: bytes) -> str:
    """Lower-case hex MD5."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def upload_headers(checksum_hex: str) -> dict[str, str]:
    """The documented headers of the pre-signed upload."""
    return {
        "x-amz-server-side-encryption": "AES256",
        "Content-MD5": base64.b64encode(bytes.fromhex(checksum_hex)).decode(),
        "Content-Type": "application/gzip",
    }


def allocate(client: httpx.Client, data: bytes, checksum: str | None = None) -> dict[str, Any]:
    """PUT /v2/batches/{new ref} for ``data``; returns the 201 body."""
    body = {"checksum": checksum or md5_hex(data), "size": len(data)}
    response = client.put(f"/v2/batches/{uuid.uuid4()}", json=body)
    assert response.status_code == 201, response.text
    allocated: dict[str, Any] = response.json()
    return allocated


def upload(allocated: dict[str, Any], data: bytes) -> httpx.Response:
    """PUT the file to the pre-signed URL with the documented headers."""
    location = allocated["location"]
    assert isinstance(location, dict)
    return httpx.put(str(location["href"]), content=data, headers=upload_headers(md5_hex(data)))


def wait_terminal(client: httpx.Client, ref: object, timeout: float = 15.0) -> dict[str, Any]:
    """Poll the status endpoint until the batch is terminal; return the status body."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/v2/batches/{ref}").json()
        status = body["status"]
        assert isinstance(status, dict)
        if status["code"] in TERMINAL:
            return body
        time.sleep(0.05)
    raise AssertionError(f"batch {ref} not terminal after {timeout}s")


def run_batch(client: httpx.Client, lines: list[bytes]) -> dict[str, Any]:
    """Allocate, upload and wait: the final status body."""
    data = gzipped(lines)
    allocated = allocate(client, data)
    assert upload(allocated, data).status_code == 200
    return wait_terminal(client, allocated["ref"])


def error_log(status_body: dict[str, Any]) -> list[dict[str, Any]]:
    """The parsed lines of the batch's gzipped NDJSON error log."""
    status = status_body["status"]
    assert isinstance(status, dict)
    response = httpx.get(str(status["log"]))
    assert response.status_code == 200
    return [orjson.loads(line) for line in gzip.decompress(response.content).splitlines()]
