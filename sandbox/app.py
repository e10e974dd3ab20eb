"""Composition root of the sandbox: config + store + clock → one ASGI application.

Route modules expose ``routes(ctx: AppContext) -> list[BaseRoute]``. Stream and inspection are
always mounted; ``sandbox.rest``, ``sandbox.batch`` and ``sandbox.page`` are mounted when they can
be imported. Faults wrap everything as ASGI middleware keyed by path prefix.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import importlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox import errors
from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.faults import FaultBook, FaultMiddleware
from sandbox.sessions import SessionBook
from sandbox.store import Store
from sandbox.stream_messages import ExtTypes

#: Optional route modules, mounted when importable (built by the REST/Batch/page owner).
OPTIONAL_ROUTE_MODULES = ("sandbox.rest", "sandbox.batch", "sandbox.page")
#: Seconds between commits of pending SQLite writes.
COMMIT_INTERVAL = 0.05
#: Housekeeping ticks between session prunes (100 x 50 ms = 5 s).
PRUNE_EVERY = 100
#: How long a closed session is remembered for ``split_across_sessions`` (sandbox seconds, at least).
KEEP_CLOSED_SECONDS = 86400.0


@dataclass(frozen=True)
class AppContext:
    """What every route module may use. One per running app; built by :func:`build_app`."""

    config: SandboxConfig
    store: Store
    clock: Clock
    sessions: SessionBook
    faults: FaultBook
    ext_types: ExtTypes
    #: Called by ``POST /_sandbox/reset`` after the store is emptied; route modules append their own.
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)

    def basic_auth(self, request: Request) -> None:
        """Check HTTP Basic credentials (client key : API token); raise the documented 401 otherwise."""
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise errors.unauthorized("Basic authentication with client key and API token is required")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise errors.unauthorized("malformed Basic authorization header") from exc
        expected = f"{self.config.client_key}:{self.config.api_token}".encode()
        if not hmac.compare_digest(f"{user}:{password}".encode(), expected):
            raise errors.unauthorized("wrong client key or API token")

    def reset(self) -> None:
        """Forget everything: stored rows, sessions, ext value types, then each module's reset hook."""
        self.store.reset()
        self.sessions.clear()
        self.ext_types.clear()
        for hook in self.reset_hooks:
            hook()

    def now_iso(self) -> str:
        """The sandbox clock as CDP writes timestamps (``2025-03-07T16:15:11.000Z``)."""
        return self.clock.iso()


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def collect_routes(ctx: AppContext) -> list[BaseRoute]:
    """Routes of the Stream and inspection modules plus every importable optional module."""
    from sandbox import inspection, stream  # noqa: PLC0415  (route modules import AppContext from here)

    found: list[BaseRoute] = [*stream.routes(ctx), *inspection.routes(ctx)]
    for name in OPTIONAL_ROUTE_MODULES:
        module = _optional_module(name)
        if module is not None:
            found.extend(module.routes(ctx))
    return found


def _lifespan(ctx: AppContext) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_housekeeping(ctx))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            ctx.store.commit()

    return lifespan


async def _housekeeping(ctx: AppContext) -> None:
    """Commit writes every COMMIT_INTERVAL; every PRUNE_EVERY ticks prune sessions and old events."""
    ticks = 0
    while True:
        await asyncio.sleep(COMMIT_INTERVAL)
        ctx.store.commit()
        ticks += 1
        if ticks % PRUNE_EVERY == 0:
            keep = max(KEEP_CLOSED_SECONDS, 3 * ctx.config.session_timeout_seconds)
            ctx.sessions.prune(ctx.clock.now(), keep)
            if ctx.config.keep_events is not None:
                ctx.store.journal.trim_events(ctx.config.keep_events)


def build_context(config: SandboxConfig, store: Store, clock: Clock) -> AppContext:
    """The shared context for ``config``, with sessions and faults initialised from it."""
    sessions = SessionBook(config.session_timeout_seconds, config.strict)
    faults = FaultBook(seed=config.fault_seed)
    for rule in config.initial_faults:
        faults.add(rule)
    return AppContext(
        config=config, store=store, clock=clock, sessions=sessions, faults=faults, ext_types=ExtTypes()
    )


class DirectRoutes:
    """Serves hot endpoints (exact paths) without Starlette's routing and middleware layers."""

    def __init__(self, app: ASGIApp, direct: Mapping[str, ASGIApp]) -> None:
        self.app = app
        self.direct = dict(direct)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch to a direct endpoint when the path matches exactly, else to Starlette."""
        target = self.direct.get(scope["path"]) if scope["type"] == "http" else None
        await (target or self.app)(scope, receive, send)


def direct_endpoints(routes: list[BaseRoute]) -> dict[str, ASGIApp]:
    """Routes whose endpoint is an ASGI object marked ``direct = True`` (it handles its own errors)."""
    return {
        route.path: route.endpoint
        for route in routes
        if isinstance(route, Route) and getattr(route.endpoint, "direct", False)
    }


class SandboxApp(Starlette):
    """Starlette with direct hot routes and, outermost, fault middleware (faults must see raw connections)."""

    faults: FaultBook | None = None

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack behind :class:`DirectRoutes` behind :class:`FaultMiddleware`."""
        inner: ASGIApp = DirectRoutes(super().build_middleware_stack(), direct_endpoints(self.routes))
        return inner if self.faults is None else FaultMiddleware(inner, self.faults)


def build_app(config: SandboxConfig, store: Store, clock: Clock) -> Starlette:
    """The whole sandbox as one Starlette app; ``app.state.ctx`` is its :class:`AppContext`."""
    ctx = build_context(config, store, clock)
    app = SandboxApp(
        routes=collect_routes(ctx),
        exception_handlers={errors.ApiError: errors.render, HTTPException: errors.render_http},
        lifespan=_lifespan(ctx),
    )
    app.faults = ctx.faults
    app.state.ctx = ctx
    return app
