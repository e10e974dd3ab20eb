"""Stream API routes: ``GET /v1.2/browser/create.json`` and ``GET /v1.2/event/create.json`` (§2).

Status codes: 201 accepted, 400 invalid message (missing ``browser_id``/``type`` included), 401 wrong
``client_key``, 404 unknown browser. An event for an unknown point of sale is answered 201 and
dropped (visible at ``/_sandbox/dropped``), as CDP silently does.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from sandbox import errors
from sandbox.app import AppContext
from sandbox.query import query_values
from sandbox.rows import GuestFields
from sandbox.sessions import SessionKey
from sandbox.stream_checks import Invalid
from sandbox.stream_messages import StreamEvent, decode, parse_event
from sandbox.stream_orders import HANDLERS, EventCall

VERSION = "1.2"
LOG = logging.getLogger("sandbox.stream")
#: HTTP status and JSON body of a Stream answer.
Answer = tuple[int, bytes]
QUERY_KEYS = frozenset({"client_key", "message"})


def _created(client_key: str, ref: str, **more: str) -> Answer:
    return 201, orjson.dumps(
        {"status": "OK", "version": VERSION, "client_key": client_key, "ref": ref, **more}
    )


class StreamApi:
    """The two Stream endpoints over one :class:`AppContext`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _authorise(self, request: Request) -> tuple[str, dict[str, str]]:
        params = query_values(request.scope["query_string"], QUERY_KEYS)
        key = params.get("client_key")
        if key is None or key != self.ctx.config.client_key:
            raise errors.unauthorized("unknown client_key (wrong tenant key or region)")
        return key, params

    @staticmethod
    async def _message(request: Request, params: dict[str, str], *, required: bool) -> str | None:
        text = params.get("message")
        if text is None and request.method == "POST":
            text = (await request.body()).decode() or None
        if text is None and required:
            raise errors.bad_request("the message query parameter is required")
        return text

    async def browser_create(self, request: Request) -> Answer:
        """Create a browser id attached to a new anonymous guest."""
        key, params = self._authorise(request)
        raw = await self._message(request, params, required=False)
        if raw is not None:
            self._decode(raw)
        now = self.ctx.now_iso()
        guest = self.ctx.store.guests.create(GuestFields(), "stream", now)
        browser_id = self.ctx.store.browsers.create(guest.guest_ref, now)
        return _created(key, browser_id, customer_ref=guest.guest_ref)

    def _decode(self, raw: str) -> dict[str, object]:
        try:
            return decode(raw, self.ctx.config.strict)
        except Invalid as exc:
            raise errors.bad_request(exc.detail, exc.code) from exc

    def _parse(self, raw: str) -> StreamEvent:
        try:
            return parse_event(self._decode(raw), self.ctx.config.strict)
        except Invalid as exc:
            raise errors.bad_request(exc.detail, exc.code) from exc

    async def event_create(self, request: Request) -> Answer:
        """Accept one event: validate, find its browser and session, apply it."""
        key, params = self._authorise(request)
        raw = await self._message(request, params, required=True)
        assert raw is not None  # required=True raised otherwise
        event = self._parse(raw)
        if self.ctx.store.browsers.guest_of(event.browser_id) is None:
            raise errors.not_found(f"browser_id {event.browser_id!r} is unknown")
        event = self._with_context(event)
        self._check_ext(event)
        ref = str(uuid.uuid4())
        if event.pos is None or not self.ctx.config.knows_pos(event.pos):
            self._drop(event, raw)
        else:
            self._apply(event, ref, raw)
        return _created(key, ref)

    def _with_context(self, event: StreamEvent) -> StreamEvent:
        """Fill omitted common attributes from the browser's previous event (lenient switch only)."""
        sessions = self.ctx.sessions
        if event.channel is not None and event.pos is not None:
            sessions.remember_context(event.browser_id, event.channel, event.pos)
            return event
        known = sessions.context_of(event.browser_id)
        if known is None:
            raise errors.bad_request("channel and pos are required on a browser's first event")
        return dataclasses.replace(event, channel=event.channel or known[0], pos=event.pos or known[1])

    def _check_ext(self, event: StreamEvent) -> None:
        if event.ext and self.ctx.config.strict.ext_type_changes_rejected:
            try:
                self.ctx.ext_types.check(event.type, event.ext)
            except Invalid as exc:
                raise errors.bad_request(exc.detail) from exc

    def _drop(self, event: StreamEvent, raw: str) -> None:
        self.ctx.store.journal.add_dropped(
            "unknown_point_of_sale", browser_id=event.browser_id, pos=event.pos, type_=event.type,
            at=self.ctx.now_iso(), raw_message=raw,
        )  # fmt: skip

    def _apply(self, event: StreamEvent, ref: str, raw: str) -> None:
        key: SessionKey = (event.browser_id, event.channel or "", event.pos or "")
        session = self.ctx.sessions.session(key, self.ctx.clock.now())
        session.event_types.append(event.type)
        now = self.ctx.now_iso()
        self.ctx.store.journal.add_event(
            ref=ref, browser_id=event.browser_id, session_id=session.session_id, type_=event.type, at=now,
            raw_message=raw,
        )  # fmt: skip
        handler = HANDLERS.get(event.type)
        if handler is not None:
            handler(self.ctx, EventCall(event, session, now))


class Endpoint:
    """A Stream endpoint as a plain ASGI app, served directly (``direct = True``) on the hot path."""

    direct = True

    def __init__(self, handler: Callable[[Request], Awaitable[Answer]], methods: frozenset[str]) -> None:
        self.handler = handler
        self.methods = methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request; :class:`~sandbox.errors.ApiError` becomes its CDP error body."""
        try:
            if scope["method"] not in self.methods:
                raise errors.ApiError(
                    405, 405, "Method Not Allowed", f"{scope['method']} is not supported here"
                )
            status, body = await self.handler(Request(scope, receive))
        except errors.ApiError as exc:
            status, body = exc.status, orjson.dumps(exc.body())
        except Exception as exc:  # a sandbox bug must still answer in CDP's shape, and be logged
            LOG.exception("Stream request failed")
            failure = errors.ApiError(500, 500, "Could not process the request", type(exc).__name__)
            status, body = 500, orjson.dumps(failure.body())
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The Stream API routes (POST too when ``--stream-post`` is on)."""
    api = StreamApi(ctx)
    methods = frozenset({"GET", "POST"} if ctx.config.strict.stream_post_allowed else {"GET"})
    return [
        Route("/v1.2/browser/create.json", Endpoint(api.browser_create, methods)),
        Route("/v1.2/event/create.json", Endpoint(api.event_create, methods)),
    ]
