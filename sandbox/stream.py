"""Stream API routes (``/v1.2/browser/create.json``, ``/v1.2/event/create.json``)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from sandbox.app import AppContext


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The Stream API routes."""
    return []
