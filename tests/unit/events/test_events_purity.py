"""worker.events is pure: none of its modules imports an I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import worker.events

PACKAGE = Path(worker.events.__file__).parent
BANNED = {
    "confluent_kafka",
    "httpx",
    "prometheus_client",
    "os",
    "time",
    "asyncio",
    "fastavro",
    "socket",
    "io",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_event_modules_import_no_io_library(path: Path) -> None:
    assert not _imports(path) & BANNED
    assert _imports(path) <= {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "math",
        "re",
        "typing",
        "uuid",
        "worker",
    }


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_event_modules_depend_only_on_the_error_tree(path: Path) -> None:
    modules = {
        node.module
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("worker")
    }
    assert all(module == "worker.errors" or module.startswith("worker.events") for module in modules)
