"""The pure core imports no I/O library (architecture rule 1): checked on the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "worker"
PURE = sorted(
    [
        ROOT / "errors.py",
        ROOT / "fates.py",
        ROOT / "plans.py",
        ROOT / "retry.py",
        ROOT / "runtime" / "offsets.py",
        ROOT / "cdp" / "message.py",
        ROOT / "cdp" / "progress.py",
        *(ROOT / "events").glob("*.py"),
        *(ROOT / "mapping").glob("*.py"),
    ]
)
FORBIDDEN = {
    "confluent_kafka",
    "httpx",
    "prometheus_client",
    "asyncio",
    "os",
    "time",
    "socket",
    "subprocess",
    "threading",
    "fastavro",
    "sqlite3",
    "aiohttp",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_pure_module_list_is_not_empty() -> None:
    assert len(PURE) >= 10


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_imports_no_io_library(path: Path) -> None:
    assert _imports(path) & FORBIDDEN == set()
