"""Batch API routes (cdp-api.md §3): allocate, upload (pre-signed, served here), status, inspect, log.

``PUT /v2/batches/{ref}`` allocates (Basic auth, JSON body ``{checksum, size}``); the answer's
``location.href`` is ``/_upload/{token}`` on this sandbox, valid ``batch_url_ttl_s`` of sandbox-clock
time. Processing is asynchronous (:mod:`sandbox.batch_runner`); ``status.log`` links the gzipped NDJSON
error log at ``/_batchlog/{token}``.
"""

from __future__ import annotations

import re
import secrets
import uuid
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox import rest_http as http
from sandbox.app import AppContext
from sandbox.batch_repo import BatchRepo
from sandbox.batch_runner import BatchRunner
from sandbox.batch_state import IN_FLIGHT, Batch, list_item, status_view
from sandbox.batch_upload import S3Error, check_digest, check_headers, check_url, read_body
from sandbox.clock import iso_timestamp
from sandbox.rest_errors import api_error
from sandbox.rest_fields import parse_utc
from sandbox.rest_options import RestBatchOptions, options_of

_CHECKSUM = re.compile(r"[0-9A-Fa-f]{32}\Z")
RETENTION_S = 30 * 24 * 3600.0


def _valid_ref(ref: str) -> str:
    try:
        uuid.UUID(ref)
    except ValueError as exc:
        raise api_error(400, f"batchRef must be a UUID, not {ref!r}") from exc
    return ref


def allocation(body: dict[str, object], max_bytes: int) -> tuple[str, int]:
    """``(checksum, size)`` of an allocate body; 400 when they are malformed or too large."""
    unknown = sorted(set(body) - {"checksum", "size"})
    checksum, size = body.get("checksum"), body.get("size")
    if unknown:
        raise api_error(400, f"Unknown fields: {unknown}")
    if not isinstance(checksum, str) or _CHECKSUM.match(checksum) is None:
        raise api_error(400, "checksum must be the hex MD5 of the gzipped file")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise api_error(400, "size must be the positive byte size of the gzipped file")
    if size > max_bytes:
        raise api_error(400, f"size {size} exceeds the {max_bytes}-byte limit; split the file")
    return checksum, size


def _created_before(text: str | None) -> str | None:
    """``createdBefore`` normalised to the stored timestamp format; 400 when it is not ISO 8601 UTC."""
    if text is None:
        return None
    moment = parse_utc(text)
    if moment is None:
        raise api_error(400, "createdBefore must be an ISO 8601 UTC timestamp")
    return iso_timestamp(moment.timestamp())


class BatchRoutes:
    """Handlers of the Batch API and of the sandbox's pre-signed URLs."""

    def __init__(self, ctx: AppContext, options: RestBatchOptions, repo: BatchRepo) -> None:
        self.ctx = ctx
        self.options = options
        self.repo = repo
        self.runner = BatchRunner(ctx, options, repo)

    def _batch(self, ref: str) -> Batch:
        batch = self.repo.get(ref)
        if batch is None:
            raise api_error(404, f"No batch found with ref {ref}")
        return batch

    def _check_free(self, ref: str) -> None:
        if self.repo.get(ref) is not None and not self.options.batch_allow_ref_reuse:
            raise api_error(400, f"batchRef {ref} was already used; allocate with a new UUID")
        busy = [b.ref for b in self.repo.all() if b.status in IN_FLIGHT]
        if busy and self.options.batch_serial_uploads:
            raise api_error(400, f"Batch {busy[0]} is still processing; upload one file at a time")

    async def allocate(self, request: Request) -> Response:
        """PUT /v2/batches/{batchRef} → 201 with the pre-signed ``location``."""
        self.runner.resume()
        ref = _valid_ref(request.path_params["ref"])
        checksum, size = allocation(await http.json_object(request), self.options.batch_max_file_bytes)
        self._check_free(ref)
        now, expiry = self.ctx.now_iso(), self.ctx.clock.now() + self.options.batch_url_ttl_s
        token = secrets.token_urlsafe(24)
        batch = Batch(ref, checksum, size, "uploading", token, iso_timestamp(expiry), expiry, now, now)
        self.repo.save(batch)
        return http.created(status_view(batch, http.base_url(request), inspect=False))

    async def status(self, request: Request) -> Response:
        """GET /v2/batches/{batchRef}."""
        self.runner.resume()
        batch = self._batch(request.path_params["ref"])
        return http.ok(status_view(batch, http.base_url(request), inspect=False))

    async def inspect_one(self, request: Request) -> Response:
        """GET /v2/batches/inspect/{batchRef} (also reports ``file_uploaded``)."""
        self.runner.resume()
        batch = self._batch(request.path_params["ref"])
        return http.ok(status_view(batch, http.base_url(request), inspect=True))

    def _listed(self, request: Request) -> list[Batch]:
        params = request.query_params
        wanted = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        before = _created_before(params.get("createdBefore"))
        oldest = iso_timestamp(self.ctx.clock.now() - RETENTION_S)
        found = [b for b in self.repo.all() if b.created_at >= oldest]
        found = [b for b in found if not wanted or b.status in wanted]
        return [b for b in found if before is None or b.created_at < before]

    async def inspect_all(self, request: Request) -> Response:
        """GET /v2/batches/inspect?status=…&createdBefore=…&limit=…&offset=… (last 30 days)."""
        self.runner.resume()
        offset, limit = http.paging(request)
        batches = self._listed(request)
        base = http.base_url(request)
        items = [list_item(b, base) for b in batches[offset : offset + limit]]
        return http.ok({"totalCount": len(batches), "offset": offset, "limit": limit, "items": items})

    async def upload(self, request: Request) -> Response:
        """PUT /_upload/{token}: the pre-signed S3 upload; empty 200 on success."""
        self.runner.resume()
        try:
            batch = check_url(self.repo.by_token(request.path_params["token"]), self.ctx.clock.now())
            digest = check_headers(request)
            data = await read_body(request, self.options.batch_max_file_bytes)
            check_digest(data, digest)
        except S3Error as err:
            return err.response()
        self.repo.put_upload(batch.ref, data)
        self.repo.save(batch.moved_to("file_uploaded", self.ctx.now_iso()))
        self.runner.schedule(batch.ref)
        return Response(b"", status_code=200)

    async def log(self, request: Request) -> Response:
        """GET /_batchlog/{token}: the gzipped NDJSON error log (pre-signed, no auth)."""
        batch = self.repo.by_token(request.path_params["token"])
        data = None if batch is None else self.repo.log(batch.ref)
        if data is None:
            return S3Error(404, "NoSuchKey", "The specified key does not exist.").response()
        return Response(data, media_type="application/gzip")

    def routes(self) -> list[BaseRoute]:
        """Every Batch route; inspect paths come before ``{ref}`` so they are not taken for refs."""
        wrap = partial(http.endpoint, self.ctx)
        return [
            Route("/v2/batches/inspect", wrap(self.inspect_all), methods=["GET"]),
            Route("/v2/batches/inspect/{ref}", wrap(self.inspect_one), methods=["GET"]),
            Route("/v2/batches/{ref}", wrap(self.allocate), methods=["PUT"]),
            Route("/v2/batches/{ref}", wrap(self.status), methods=["GET"]),
            Route("/_upload/{token}", self.upload, methods=["PUT"]),
            Route("/_batchlog/{token}", self.log, methods=["GET"]),
        ]


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The Batch API routes for the app ``ctx`` (creates the Batch blob table if needed)."""
    repo = BatchRepo(ctx.store.conn, ctx.store.journal)
    repo.ensure_schema()
    batch_routes = BatchRoutes(ctx, options_of(ctx.config.extra_options), repo)
    ctx.reset_hooks.append(batch_routes.runner.reset)
    return batch_routes.routes()
