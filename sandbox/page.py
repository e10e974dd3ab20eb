"""Placeholder: the page routes are built by another engineer and replace this module."""

from __future__ import annotations

from starlette.routing import BaseRoute

from sandbox.app import AppContext


def routes(ctx: AppContext) -> list[BaseRoute]:
    """No routes yet."""
    return []
