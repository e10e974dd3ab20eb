"""Batch API calls (cdp-api.md §3.2): allocate, pre-signed upload, status, error log.

Allocation, status and log use the Basic-authenticated client; the upload goes to the pre-signed
URL with its signed headers and no Basic auth. Statuses and failures are translated here only:
401/403 stop the worker, 5xx/429/timeouts and a refused allocation (another batch still processing)
are transient, an expired upload URL (S3 403) asks the caller to allocate again.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

import httpx
import orjson

from worker.cdp.batch_file import LogLine, PackedFile, parse_log
from worker.cdp.rest_errors import BatchRejectedError, BatchTransientError, RestAuthError
from worker.fates import Action, FateTable, fate_table
from worker.retry import parse_retry_after

BATCHES = "/v2/batches"
DEFAULT_FATES = fate_table()


class BatchBusyError(BatchTransientError):
    """Allocation refused: another batch of the tenant is still processing (one file at a time)."""

    reason = "batch_busy"


@dataclass(frozen=True)
class BatchStatus:
    """What allocate and status answer: the batch ``ref``, ``status.code``, upload URL and log URL."""

    ref: str
    code: str
    location: str
    log: str | None


class BatchApi:
    """The Batch endpoints over two clients: ``http`` (Basic auth, base URL) and ``upload`` (bare)."""

    def __init__(
        self, http: httpx.AsyncClient, upload: httpx.AsyncClient, fates: FateTable = DEFAULT_FATES
    ) -> None:
        self._http = http
        self._upload = upload
        self._fates = fates

    async def allocate(self, batch_ref: str, packed: PackedFile) -> BatchStatus:
        body = orjson.dumps({"checksum": packed.checksum, "size": packed.size})
        headers = {"Content-Type": "application/json"}
        response = await self._call(self._http.put(f"{BATCHES}/{batch_ref}", content=body, headers=headers))
        _check(response, "allocate", self._fates, busy_is_transient=True)
        return _status(response)

    async def put_file(self, url: str, packed: PackedFile) -> bool:
        """Upload to the pre-signed URL; False when the URL expired (allocate again)."""
        headers = {"x-amz-server-side-encryption": "AES256", "Content-Md5": packed.content_md5,
                   "Content-Type": "application/gzip"}  # fmt: skip
        response = await self._call(self._upload.put(url, content=packed.data, headers=headers))
        if response.status_code == 403 and b"expired" in response.content.lower():
            return False
        _check(response, "upload", self._fates)
        return True

    async def status(self, batch_ref: str) -> BatchStatus:
        response = await self._call(self._http.get(f"{BATCHES}/{batch_ref}"))
        _check(response, "status", self._fates)
        return _status(response)

    async def error_log(self, url: str) -> dict[str, LogLine]:
        response = await self._call(self._upload.get(url))
        _check(response, "error log", self._fates)
        return parse_log(response.content)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._upload.aclose()

    @staticmethod
    async def _call(request: Awaitable[httpx.Response]) -> httpx.Response:
        try:
            return await request
        except httpx.HTTPError as exc:
            raise BatchTransientError(f"Batch: {type(exc).__name__}: {exc}") from exc


def _check(response: httpx.Response, what: str, fates: FateTable, busy_is_transient: bool = False) -> None:
    """The fate table (api ``batch``) decides; a pre-signed upload's 403 is S3's, not a credentials error,
    and a refused allocation while another batch processes is transient."""
    status = response.status_code
    action = fates.decide("batch", status)
    if action is Action.DONE:
        return
    message = f"Batch {what}: HTTP {status}: {response.text[:500]}"
    if action is Action.STOP and not (status == 403 and what == "upload"):
        raise RestAuthError(f"CDPW_CDP_CLIENT_KEY / CDPW_CDP_API_TOKEN rejected by CDP. {message}")
    if action is Action.RETRY or (busy_is_transient and status == 400 and b"processing" in response.content):
        raise BatchTransientError(message, retry_after=parse_retry_after(response.headers.get("retry-after")),
                                  status=status)  # fmt: skip
    raise BatchRejectedError(message, status=status, body=response.text[:1000])


def _status(response: httpx.Response) -> BatchStatus:
    try:
        data = orjson.loads(response.content)
        status = data["status"]
        location = str(data.get("location", {}).get("href", ""))
        return BatchStatus(str(data["ref"]), str(status["code"]), location, status.get("log"))
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise BatchTransientError(f"Batch: unreadable answer {response.text[:200]!r}") from None
