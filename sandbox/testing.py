"""Starting real sandbox processes for tests, demos and benchmarks.

``start_sandbox_process(tmp_path, db=tmp_path / "cdp.db", fault=[{...}], session_timeout=5)`` spawns
``python -m sandbox --port 0 ...`` (keyword ``some_flag=value`` becomes ``--some-flag value``; ``True``
becomes a bare flag; lists repeat the flag; dicts are sent as JSON), waits for the URL line and for
``/_sandbox/health``, and returns a :class:`RunningSandbox`. Its stderr goes to ``tmp_path/sandbox-*.log``.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import orjson

from sandbox.config import SandboxConfig

URL_PREFIX = "sandbox listening on "
START_TIMEOUT = 20.0


class SandboxStartError(RuntimeError):
    """The sandbox process did not come up."""


@dataclass
class RunningSandbox:
    """A sandbox subprocess; ``url`` is its base URL (``http://127.0.0.1:PORT``)."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    client_key: str
    api_token: str

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM (graceful: pending writes are committed), then SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def kill(self) -> int:
        """SIGKILL at once (a crash: writes of the last commit interval may be lost)."""
        if self.process.poll() is None:
            self.process.kill()
        return self.process.wait()

    @property
    def basic_auth(self) -> tuple[str, str]:
        """Credentials for REST and Batch (client key, API token)."""
        return (self.client_key, self.api_token)


def flag_argv(flags: dict[str, object]) -> list[str]:
    """CLI arguments for keyword flags (see the module docstring)."""
    argv: list[str] = []
    for name, value in flags.items():
        flag = "--" + name.replace("_", "-")
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            argv += _one_flag(flag, item)
    return argv


def _one_flag(flag: str, value: object) -> list[str]:
    if value is True:
        return [flag]
    if value is False or value is None:
        return []
    if isinstance(value, dict):
        return [flag, orjson.dumps(value).decode()]
    return [flag, str(value)]


def _read_url(process: subprocess.Popen[bytes], deadline: float) -> str:
    stdout = process.stdout
    assert stdout is not None  # started with stdout=PIPE
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stdout], [], [], 0.1)
        if ready:
            line = stdout.readline().decode()
            if line.startswith(URL_PREFIX):
                return line[len(URL_PREFIX) :].strip()
            if not line and process.poll() is not None:
                break
    raise SandboxStartError(f"sandbox printed no URL (exit code {process.poll()})")


def _drain(stream: IO[bytes]) -> None:
    with contextlib.suppress(ValueError, OSError):
        for _ in iter(stream.readline, b""):
            pass


def _wait_healthy(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/_sandbox/health", timeout=1.0).status_code == 200:
                return
        time.sleep(0.02)
    raise SandboxStartError(f"{url}/_sandbox/health never answered 200")


def start_sandbox_process(
    tmp_path: Path, *, extra_args: list[str] | None = None, **flags: object
) -> RunningSandbox:
    """Spawn a sandbox on a free port and wait until it is healthy (see the module docstring)."""
    flags.setdefault("client_key", SandboxConfig.client_key)
    flags.setdefault("api_token", SandboxConfig.api_token)
    argv = [sys.executable, "-m", "sandbox", "--port", "0", *flag_argv(flags), *(extra_args or [])]
    log_path = Path(tmp_path) / f"sandbox-{time.time_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, env=_env())
    deadline = time.monotonic() + START_TIMEOUT
    try:
        url = _read_url(process, deadline)
        assert process.stdout is not None  # started with stdout=PIPE
        threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
        _wait_healthy(url, deadline)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return RunningSandbox(url, process, log_path, str(flags["client_key"]), str(flags["api_token"]))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


@contextlib.contextmanager
def running_sandbox(
    tmp_path: Path, *, extra_args: list[str] | None = None, **flags: object
) -> Iterator[RunningSandbox]:
    """Context manager form of :func:`start_sandbox_process` that always stops the process."""
    sandbox = start_sandbox_process(tmp_path, extra_args=extra_args, **flags)
    try:
        yield sandbox
    finally:
        sandbox.stop()
