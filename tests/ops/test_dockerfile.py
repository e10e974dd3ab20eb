"""The Dockerfile is hadolint-clean, multi-stage, hash-locked, non-root and stops on SIGTERM."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from tests.ops.tools import ROOT, run

DOCKERFILE = ROOT / "Dockerfile"
LOCKS = (ROOT / "ops" / "image-requirements.lock", ROOT / "ops" / "image-build-requirements.lock")


def _instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {
        _normalise(name): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)
    }


def test_hadolint_finds_nothing() -> None:
    result = run(["hadolint", "--failure-threshold", "info", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_regression() -> None:
    bad = DOCKERFILE.read_text(encoding="utf-8").replace(
        "USER 10001:10001", "RUN cd /app && apt-get install curl"
    )
    result = run(["hadolint", "-"], stdin=bad)
    assert result.returncode != 0


def test_build_and_runtime_stages_share_the_slim_base() -> None:
    froms = [args for name, args in _instructions() if name == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    args = dict(a.split("=", 1) for name, a in _instructions() if name == "ARG" and "=" in a)
    assert re.fullmatch(r"docker\.io/library/python:3\.11-slim-\w+", args["PYTHON_IMAGE"])


def test_final_stage_installs_nothing_and_runs_non_root() -> None:
    final = _final_stage()
    runs = " ".join(args for name, args in final if name == "RUN")
    assert not re.search(r"apt-get|apk|pip install|gcc|build-essential", runs)
    users = [args for name, args in final if name == "USER"]
    assert users == ["10001:10001"]
    copies = [args for name, args in final if name == "COPY"]
    assert all("--from=build" in args or args.startswith("schemas ") for args in copies), copies


def test_entrypoint_is_the_worker_and_sigterm_stops_it() -> None:
    final = dict(_final_stage())
    assert final["ENTRYPOINT"] == '["cdp-worker"]'
    assert final["CMD"] == '["run"]'
    assert final["STOPSIGNAL"] == "SIGTERM"
    assert "/healthz" in final["HEALTHCHECK"]


def test_oci_labels_are_set() -> None:
    labels = " ".join(args for name, args in _final_stage() if name == "LABEL")
    for key in ("title", "description", "version", "revision", "created", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels, key


def test_dependencies_install_only_from_hash_locked_files() -> None:
    pip_runs = [args for name, args in _instructions() if name == "RUN" and " install " in args]
    for args in pip_runs:
        assert "--require-hashes" in args or "/dist/*.whl" in args, args
    for lock in LOCKS:
        entries = re.findall(
            r"^\S+==\S+ \\\n\s+--hash=sha256:[0-9a-f]{64}$", lock.read_text(encoding="utf-8"), re.M
        )
        assert len(entries) == len(_locked(lock)), lock.name


def test_runtime_lock_carries_every_pyproject_pin() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    locked = _locked(LOCKS[0])
    for requirement in project["dependencies"]:
        pin = re.fullmatch(r"([\w.-]+)(?:\[[\w,]+\])?==(\S+)", requirement)
        assert pin, f"{requirement} is not pinned"
        name, version = pin.groups()
        assert locked.get(_normalise(name)) == version, f"{requirement}: run `make image-lock`"


def test_docker_context_holds_only_what_the_build_copies() -> None:
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignore, "the context starts empty"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = {
        source.rstrip("/")
        for name, args in _instructions()
        if name == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    }
    assert copied <= allowed, copied - allowed


def test_chart_defaults_fit_the_image() -> None:
    chart = yaml.safe_load((ROOT / "helm" / "cdp-worker" / "values.yaml").read_text(encoding="utf-8"))
    config, pod, final = chart["config"], chart["podSecurityContext"], _final_stage()
    env = " ".join(args for name, args in final if name == "ENV")
    assert f"CDPW_SCHEMA_DIR={config['CDPW_SCHEMA_DIR']}" in env
    assert ("COPY", f"schemas {config['CDPW_SCHEMA_DIR']}") in final
    assert config["CDPW_RECORD_SINK_PATH"].startswith("/tmp/"), "the only writable path in the pod"
    assert ("EXPOSE", str(config["CDPW_METRICS_PORT"])) in final
    assert ("USER", f"{pod['runAsUser']}:{pod['runAsGroup']}") in final
