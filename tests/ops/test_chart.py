"""The Helm chart lints strictly, renders valid Kubernetes manifests and keeps its operational promises."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.ops.tools import (
    CHART,
    CI_VALUES,
    RELEASE,
    find,
    helm_template,
    kinds,
    render,
    render_notes,
    run,
    values_args,
)

ALL_ON = CI_VALUES / "all-on-values.yaml"
VALUE_SETS = {
    "defaults": [],
    "all-on": [ALL_ON],
    "hpa": [CI_VALUES / "hpa-values.yaml"],
}


@pytest.mark.parametrize("name", VALUE_SETS)
def test_helm_lint_strict_passes(name: str) -> None:
    result = run(["helm", "lint", "--strict", str(CHART), *values_args(VALUE_SETS[name])])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", VALUE_SETS)
def test_rendered_manifests_pass_strict_kubernetes_validation(name: str) -> None:
    rendered = helm_template(VALUE_SETS[name])
    assert rendered.returncode == 0, rendered.stderr
    result = run(["kubernetes-validate", "--strict", "-"], stdin=rendered.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr


def test_all_on_manifests_validate_on_the_oldest_supported_kubernetes() -> None:
    rendered = helm_template([ALL_ON])
    assert 'kubeVersion: ">=1.25.0-0"' in (CHART / "Chart.yaml").read_text(encoding="utf-8")
    result = run(["kubernetes-validate", "--strict", "-k", "1.25.0", "-"], stdin=rendered.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr


def test_all_on_values_render_every_optional_part() -> None:
    expected = {
        "ServiceMonitor",
        "PrometheusRule",
        "ScaledObject",
        "NetworkPolicy",
        "Job",
        "CronJob",
        "PodDisruptionBudget",
    }
    assert expected <= kinds(render([ALL_ON]))
    assert "HorizontalPodAutoscaler" in kinds(render([CI_VALUES / "hpa-values.yaml"]))


def test_defaults_render_only_the_core() -> None:
    core = {"Deployment", "ConfigMap", "Secret", "Service", "ServiceAccount", "PodDisruptionBudget"}
    assert kinds(render()) == core


def test_schema_rejects_an_unknown_setting_and_a_bad_enum() -> None:
    for assignment in ("config.CDPW_NO_SUCH_SETTING=1", 'config.CDPW_SINK="stdout"', "replicaCount=-1"):
        result = run(["helm", "lint", "--strict", str(CHART), "--set-json", assignment])
        assert result.returncode != 0, assignment


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = find(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    return containers[0]


def test_probes_hit_healthz_and_readyz_on_the_metrics_port() -> None:
    container = _container(render())
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["ports"] == [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}]
    assert container["args"] == ["run"]


def test_pod_runs_non_root_on_a_read_only_root_filesystem() -> None:
    docs = render()
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    container = _container(docs)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]


def test_pods_spread_over_zones_and_nodes_with_the_release_selector() -> None:
    docs = render()
    spec = find(docs, "Deployment")["spec"]
    constraints = spec["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in constraints} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }
    for constraint in constraints:
        assert constraint["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]


@pytest.mark.parametrize(("drain", "expected"), [(20.0, 35), (45.5, 61), (1.0, 16)])
def test_grace_period_exceeds_the_drain_deadline(drain: float, expected: int) -> None:
    docs = render(sets=[f"config.CDPW_DRAIN_TIMEOUT_S={drain}"])
    grace = find(docs, "Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace == expected
    assert grace > math.ceil(drain)


def test_a_grace_period_below_the_drain_deadline_is_refused() -> None:
    result = helm_template(sets=["config.CDPW_DRAIN_TIMEOUT_S=60", "terminationGracePeriodSeconds=30"])
    assert result.returncode != 0
    assert "must exceed CDPW_DRAIN_TIMEOUT_S" in result.stderr


def test_a_poll_interval_below_the_drain_deadline_is_refused() -> None:
    result = helm_template(
        sets=["config.CDPW_DRAIN_TIMEOUT_S=60", "config.CDPW_KAFKA_MAX_POLL_INTERVAL_MS=30000"]
    )
    assert result.returncode != 0
    assert "CDPW_KAFKA_MAX_POLL_INTERVAL_MS" in result.stderr


def test_config_and_secret_reach_the_container_through_env_from() -> None:
    docs = render()
    refs = _container(docs)["envFrom"]
    assert {"configMapRef": {"name": find(docs, "ConfigMap")["metadata"]["name"]}} in refs
    assert {"secretRef": {"name": find(docs, "Secret")["metadata"]["name"]}} in refs


def test_existing_secret_is_referenced_and_no_secret_is_rendered() -> None:
    docs = render([ALL_ON])
    assert "Secret" not in kinds(docs)
    assert {"secretRef": {"name": "cdp-worker-credentials"}} in _container(docs)["envFrom"]


def test_a_config_change_rolls_the_pods() -> None:
    def checksum(sets: list[str]) -> str:
        annotations = find(render(sets=sets), "Deployment")["spec"]["template"]["metadata"]["annotations"]
        value: str = annotations["checksum/config"]
        return value

    assert checksum([]) != checksum(['config.CDPW_LOG_LEVEL="DEBUG"'])


def test_keda_replicas_are_capped_at_the_partition_count() -> None:
    scaled = find(render([ALL_ON]), "ScaledObject")["spec"]
    assert scaled["maxReplicaCount"] == 24
    topics = [trigger["metadata"]["topic"] for trigger in scaled["triggers"]]
    assert topics == ["commerce-events", "commerce-corrections"]
    for trigger in scaled["triggers"]:
        assert trigger["metadata"]["allowIdleConsumers"] == "false"
        assert trigger["metadata"]["consumerGroup"] == "cdp-worker"
        assert all(isinstance(value, str) for value in trigger["metadata"].values()), "KEDA wants strings"


def test_lag_threshold_is_per_pod_capacity_times_catch_up_time() -> None:
    sets = ["autoscaling.perPodRecordsPerSecond=350", "autoscaling.targetCatchUpSeconds=20"]
    scaled = find(render([ALL_ON], sets), "ScaledObject")["spec"]
    assert {t["metadata"]["lagThreshold"] for t in scaled["triggers"]} == {"7000"}
    explicit = find(render([ALL_ON], ["autoscaling.lagThreshold=1234"]), "ScaledObject")["spec"]
    assert {t["metadata"]["lagThreshold"] for t in explicit["triggers"]} == {"1234"}


def test_hpa_is_capped_at_the_partition_count_and_targets_lag() -> None:
    hpa = find(
        render([CI_VALUES / "hpa-values.yaml"], ["autoscaling.partitions=6"]), "HorizontalPodAutoscaler"
    )
    assert hpa["spec"]["maxReplicas"] == 6
    metric = hpa["spec"]["metrics"][0]["external"]
    assert metric["metric"]["name"] == "cdpw_consumer_lag_records"
    assert metric["target"] == {"type": "AverageValue", "averageValue": "6000"}


def test_the_autoscaler_owns_the_replica_count() -> None:
    assert "replicas" not in find(render([ALL_ON]), "Deployment")["spec"]
    assert find(render(), "Deployment")["spec"]["replicas"] == 2


def test_dlq_replay_job_runs_the_replay_command_with_the_worker_config() -> None:
    docs = render([ALL_ON])
    job = find(docs, "Job", f"{RELEASE}-cdp-worker-dlq-replay-1")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["dlq", "replay", "--rate", "50"]
    assert container["envFrom"] == _container(docs)["envFrom"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_reconciliation_cron_job_runs_the_reconcile_command_daily_never_twice_at_once() -> None:
    docs = render([ALL_ON])
    cron = find(docs, "CronJob", f"{RELEASE}-cdp-worker-reconcile")["spec"]
    assert (cron["schedule"], cron["timeZone"], cron["concurrencyPolicy"]) == (
        "30 3 * * *",
        "Europe/Berlin",
        "Forbid",
    )
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["args"] == ["backfill", "--reconcile-hours", "26"]
    assert container["envFrom"] == _container(docs)["envFrom"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["restartPolicy"] == "Never"
    assert "CronJob" not in kinds(render())


def test_dashboard_config_map_carries_the_sidecar_label_and_the_dashboard_file() -> None:
    config_map = find(render([ALL_ON]), "ConfigMap", f"{RELEASE}-cdp-worker-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = (CHART / "files" / "dashboard.json").read_text(encoding="utf-8")
    assert config_map["data"]["cdp-worker.json"] == dashboard.rstrip("\n")


def test_packaged_chart_leaves_out_the_ci_values(tmp_path: Path) -> None:
    result = run(["helm", "package", str(CHART), "-d", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    listing = run(["tar", "-tzf", str(next(tmp_path.glob("*.tgz")))])
    assert "cdp-worker/values.schema.json" in listing.stdout
    assert "cdp-worker/ci/" not in listing.stdout


def test_notes_tell_how_to_watch_the_worker_and_warn_about_a_missing_token(tmp_path: Path) -> None:
    notes = render_notes(tmp_path)
    assert "port-forward svc/cdpw-cdp-worker 9100" in notes
    assert "Pods get 35s to stop" in notes
    assert "CDPW_CDP_API_TOKEN is empty" in notes


def test_notes_describe_the_autoscaler_and_the_replay_job(tmp_path: Path) -> None:
    notes = render_notes(tmp_path, [ALL_ON])
    assert "2..24 replicas (capped at 24 partitions), 6000 records of lag per replica" in notes
    assert "job/cdpw-cdp-worker-dlq-replay-1" in notes
    assert "Reconciliation CronJob (30 3 * * *)" in notes
    assert "CDPW_CDP_API_TOKEN is empty" not in notes
