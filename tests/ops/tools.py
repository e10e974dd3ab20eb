"""Run the operations tools (helm, kubernetes-validate, promtool, hadolint) on the chart and image files.

The tools are installed by ``.ci/ops-deps``; a missing tool fails the calling test with that hint
rather than skipping it, so CI cannot pass without having checked anything.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "cdp-worker"
CI_VALUES = CHART / "ci"
RELEASE = "cdpw"


@dataclass(frozen=True)
class Result:
    """Exit code and output of one tool run."""

    returncode: int
    stdout: str
    stderr: str


def tool(name: str) -> str:
    """Absolute path of a tool from the virtualenv or PATH; fails the test when it is missing."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: run .ci/ops-deps to install the operations tools")
    return found


def run(args: Sequence[str], stdin: str | None = None, timeout: float = 60.0) -> Result:
    """Run a tool and capture its output; never raises on a non-zero exit."""
    done = subprocess.run(
        [tool(args[0]), *args[1:]], input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


def values_args(values_files: Sequence[Path] = (), sets: Sequence[str] = ()) -> list[str]:
    """Helm ``-f`` / ``--set-json`` arguments (values are JSON, so ``20.0`` stays a number)."""
    args: list[str] = []
    for path in values_files:
        args += ["-f", str(path)]
    for assignment in sets:
        args += ["--set-json", assignment]
    return args


def helm_template(values_files: Sequence[Path] = (), sets: Sequence[str] = ()) -> Result:
    """``helm template`` of the chart with release name :data:`RELEASE`."""
    return run(["helm", "template", RELEASE, str(CHART), *values_args(values_files, sets)])


def render(values_files: Sequence[Path] = (), sets: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The chart's manifests as dicts; fails the test when rendering fails."""
    result = helm_template(values_files, sets)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def find(docs: Sequence[dict[str, Any]], kind: str, name: str = f"{RELEASE}-cdp-worker") -> dict[str, Any]:
    """The single manifest of ``kind`` called ``name`` (default: the release's main name)."""
    matches = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}, got {len(matches)}"
    return matches[0]


def kinds(docs: Sequence[dict[str, Any]]) -> set[str]:
    return {doc["kind"] for doc in docs}


def rendered_rules(values_files: Sequence[Path] = (), sets: Sequence[str] = ()) -> dict[str, Any]:
    """The ``spec`` of the chart's PrometheusRule (rule groups), with the rule template turned on."""
    rule = find(render(values_files, ["prometheusRule.enabled=true", *sets]), "PrometheusRule")
    spec: dict[str, Any] = rule["spec"]
    return spec


def alert_rules(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every alerting rule of a rule-groups document."""
    return [rule for group in spec["groups"] for rule in group["rules"] if "alert" in rule]


def render_notes(tmp: Path, values_files: Sequence[Path] = ()) -> str:
    """NOTES.txt as ``helm install`` would print it (``helm template`` skips NOTES, so a copy of the
    chart renders it inside a ConfigMap)."""
    copy = tmp / "cdp-worker"
    shutil.copytree(CHART, copy)
    notes = (copy / "templates" / "NOTES.txt").read_text(encoding="utf-8")
    indented = "".join(f"    {line}" for line in notes.splitlines(keepends=True))
    wrapper = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n{indented}\n"
    (copy / "templates" / "zz-notes.yaml").write_text(wrapper, encoding="utf-8")
    result = run(["helm", "template", RELEASE, str(copy), "--show-only", "templates/zz-notes.yaml",
                  *values_args(values_files)])  # fmt: skip
    assert result.returncode == 0, result.stderr
    text: str = yaml.safe_load(result.stdout)["data"]["notes"]
    return text
