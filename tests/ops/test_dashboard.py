"""The Grafana dashboard is well formed, its PromQL parses, and it shows every metric the worker exports."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ops import dashboard as generator
from tests.ops.dashboard import DASHBOARD, load, targets
from tests.ops.promql import PROMETHEUS_OWN, exported_names, metric_names, selectors
from tests.ops.tools import run

GRID = {"type": "object", "required": ["h", "w", "x", "y"],
        "properties": {k: {"type": "integer", "minimum": 0} for k in ("h", "w", "x", "y")}}  # fmt: skip
TARGET = {"type": "object", "required": ["refId", "expr", "datasource"],
          "properties": {"refId": {"type": "string", "pattern": "^[A-Z]$"},
                         "expr": {"type": "string", "minLength": 1}}}  # fmt: skip
PANEL = {
    "type": "object", "required": ["id", "type", "title", "gridPos"],
    "properties": {
        "id": {"type": "integer", "minimum": 1}, "title": {"type": "string", "minLength": 1}, "gridPos": GRID,
        "type": {"enum": ["row", "timeseries", "stat", "table", "state-timeline"]},
        "targets": {"type": "array", "items": TARGET},
    },
    "if": {"properties": {"type": {"not": {"const": "row"}}}},
    "then": {"required": ["targets", "datasource"], "properties": {"targets": {"minItems": 1}}},
}  # fmt: skip
SCHEMA = {
    "type": "object",
    "required": ["uid", "title", "schemaVersion", "panels", "templating", "time"],
    "properties": {
        "uid": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,40}$"},
        "title": {"type": "string", "minLength": 1},
        "schemaVersion": {"type": "integer", "minimum": 36}, "panels": {"type": "array", "items": PANEL},
        "templating": {"type": "object", "required": ["list"]},
    },
}  # fmt: skip


def test_the_shipped_file_is_what_the_generator_writes() -> None:
    assert DASHBOARD.read_text(encoding="utf-8") == generator.render(), (
        "run: python -m ops.dashboard > " + str(DASHBOARD)
    )


def test_dashboard_matches_the_structure_grafana_needs() -> None:
    jsonschema.validate(load(), SCHEMA)


def test_panel_ids_are_unique_and_target_ref_ids_unique_per_panel() -> None:
    panels = load()["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        refs = [target["refId"] for target in panel.get("targets", [])]
        assert len(refs) == len(set(refs)), panel["title"]


def _cells(panel: dict[str, Any]) -> set[tuple[int, int]]:
    grid = panel["gridPos"]
    return set(
        itertools.product(range(grid["x"], grid["x"] + grid["w"]), range(grid["y"], grid["y"] + grid["h"]))
    )


def test_panels_fit_the_24_column_grid_without_overlapping() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in load()["panels"]:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        cells = _cells(panel)
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


def test_every_expression_parses_with_promtool(tmp_path: Path) -> None:
    rules = [{"record": f"dashboard:panel_{i}", "expr": t.promql()} for i, t in enumerate(targets())]
    path = tmp_path / "dashboard-exprs.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    result = run(["promtool", "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_expression_is_caught_by_the_promtool_check(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    broken = targets()[0].promql().rstrip(")")
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "r:x", "expr": broken}]}]}))
    assert run(["promtool", "check", "rules", str(path)]).returncode != 0


def test_expressions_read_only_metrics_the_worker_exports() -> None:
    known = exported_names() | PROMETHEUS_OWN
    for target in targets():
        names = metric_names(target.promql())
        assert names, target.panel
        assert names <= known, f"{target.panel}: unknown {names - known}"


def test_every_exported_metric_family_is_on_the_dashboard() -> None:
    shown = {name for target in targets() for name in metric_names(target.expr)}
    families = {
        name.removesuffix("_bucket") for name in exported_names() if not name.endswith(("_sum", "_count"))
    }
    shown_families = {name.removesuffix("_bucket") for name in shown}
    assert families <= shown_families, f"not shown: {families - shown_families}"


def test_every_selector_is_scoped_by_the_job_and_instance_variables() -> None:
    for target in targets():
        for selector in selectors(target.expr):
            assert 'job=~"$job"' in selector, f"{target.panel}: {selector}"
            assert 'instance=~"$instance"' in selector, f"{target.panel}: {selector}"
