"""The pre-signed upload URL, served by the sandbox itself the way S3 would answer it.

``PUT /_upload/{token}`` needs no Basic auth but the documented headers (cdp-api.md §3.2 step 6):
``x-amz-server-side-encryption: AES256``, ``Content-Type: application/gzip`` and ``Content-MD5``
(base64 of the raw digest). S3-style XML errors: 403 for an expired/used URL or unsigned headers,
400 for a malformed or wrong ``Content-MD5`` and for a body over the size limit.
"""

from __future__ import annotations

import dataclasses
import hashlib
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from sandbox.batch_file import content_md5_digest
from sandbox.batch_state import Batch


@dataclasses.dataclass(frozen=True)
class S3Error(Exception):
    """An S3 rejection: HTTP status, S3 error code, message."""

    status: int
    code: str
    message: str

    def response(self) -> Response:
        """The XML error document S3 returns."""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
        )
        return Response(body, status_code=self.status, media_type="application/xml")


def check_url(batch: Batch | None, now: float) -> Batch:
    """The batch a still-valid, unused upload URL belongs to; S3Error otherwise."""
    if batch is None:
        raise S3Error(403, "AccessDenied", "Invalid upload URL")
    if now > batch.expiry_epoch:
        raise S3Error(403, "AccessDenied", "Request has expired")
    if batch.status != "uploading":
        raise S3Error(403, "AccessDenied", "The upload URL was already used")
    return batch


def check_headers(request: Request) -> bytes:
    """The ``Content-MD5`` digest of a well-formed upload request; S3Error otherwise."""
    headers = request.headers
    if "authorization" in headers:
        raise S3Error(400, "InvalidArgument", "Only one auth mechanism allowed: the URL is pre-signed")
    if headers.get("x-amz-server-side-encryption") != "AES256":
        raise S3Error(403, "SignatureDoesNotMatch", "x-amz-server-side-encryption: AES256 is signed")
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/gzip":
        raise S3Error(403, "SignatureDoesNotMatch", "Content-Type: application/gzip is signed")
    digest = content_md5_digest(headers.get("content-md5"))
    if digest is None:
        raise S3Error(400, "InvalidDigest", "Content-MD5 must be the base64 of the 16-byte MD5 digest")
    return digest


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, refusing more than ``max_bytes`` without reading it all into memory."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_bytes:
            raise S3Error(400, "EntityTooLarge", f"Your proposed upload exceeds {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def check_digest(data: bytes, digest: bytes) -> None:
    """S3's integrity check: the body must hash to the ``Content-MD5`` it was sent with."""
    if hashlib.md5(data, usedforsecurity=False).digest() != digest:
        raise S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what was received")
