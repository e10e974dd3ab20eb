"""Read the chart's Grafana dashboard: its panels and their PromQL targets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.ops.promql import substitute
from tests.ops.tools import CHART

DASHBOARD = CHART / "files" / "dashboard.json"


@dataclass(frozen=True)
class Target:
    """One panel target: where it is shown and its expression as Grafana stores it."""

    panel: str
    ref: str
    expr: str

    def promql(self, durations: dict[str, str] | None = None) -> str:
        """The expression with Grafana's variables replaced, ready for promtool or a Prometheus server."""
        return substitute(self.expr, durations)


def load() -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return dashboard


def targets(dashboard: dict[str, Any] | None = None) -> list[Target]:
    """Every PromQL target of every panel."""
    panels = (dashboard or load())["panels"]
    return [
        Target(panel["title"], target["refId"], target["expr"])
        for panel in panels
        for target in panel.get("targets", [])
    ]
