"""The chart's alert rules pass promtool's checks and unit tests, and read only metrics the worker exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.ops.promql import PROMETHEUS_OWN, exported_names, metric_names, selectors
from tests.ops.tools import CI_VALUES, alert_rules, rendered_rules, run

HERE = Path(__file__).resolve().parent
REQUIRED_ALERTS = {
    "CdpWorkerConsumerTimeLagHigh", "CdpWorkerConsumerStalled", "CdpWorkerDeadLetters",
    "CdpWorkerCdpErrorRatioHigh", "CdpWorkerCdpThrottled", "CdpWorkerCircuitOpen",
    "CdpWorkerIdleWithLag", "CdpWorkerPartitionsUnowned", "CdpWorkerCommitsFailing", "CdpWorkerDown",
    "CdpWorkerAbsent",
}  # fmt: skip


def _write_rules(directory: Path) -> Path:
    path = directory / "cdp-worker-rules.yaml"
    path.write_text(yaml.safe_dump(rendered_rules()), encoding="utf-8")
    return path


def test_promtool_check_rules_passes(tmp_path: Path) -> None:
    result = run(["promtool", "check", "rules", str(_write_rules(tmp_path))])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(REQUIRED_ALERTS)} rules found" in result.stdout


def test_promtool_unit_tests_pass(tmp_path: Path) -> None:
    _write_rules(tmp_path)
    shutil.copy(HERE / "alerts_test.yaml", tmp_path)
    result = run(["promtool", "test", "rules", str(tmp_path / "alerts_test.yaml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_catch_a_broken_rule(tmp_path: Path) -> None:
    spec = rendered_rules()
    for rule in alert_rules(spec):
        rule["expr"] = rule["expr"].replace("cdpw_", "cdpw_renamed_")
    (tmp_path / "cdp-worker-rules.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    shutil.copy(HERE / "alerts_test.yaml", tmp_path)
    result = run(["promtool", "test", "rules", str(tmp_path / "alerts_test.yaml")])
    assert result.returncode != 0


def test_the_required_alerts_exist_and_each_has_a_firing_unit_test() -> None:
    assert {rule["alert"] for rule in alert_rules(rendered_rules())} == REQUIRED_ALERTS
    cases = yaml.safe_load((HERE / "alerts_test.yaml").read_text(encoding="utf-8"))["tests"]
    fired = {check["alertname"] for case in cases for check in case["alert_rule_test"] if check["exp_alerts"]}
    assert fired == REQUIRED_ALERTS


def test_alerts_read_only_metrics_that_the_worker_exports() -> None:
    known = exported_names() | PROMETHEUS_OWN
    for rule in alert_rules(rendered_rules()):
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= known, f"{rule['alert']}: unknown {names - known}"


def test_every_selector_is_scoped_to_the_worker_job() -> None:
    for rule in alert_rules(rendered_rules(sets=['prometheusRule.job="shop-worker"'])):
        for selector in selectors(rule["expr"]):
            assert 'job="shop-worker"' in selector, f"{rule['alert']}: {selector}"


@pytest.mark.parametrize("alert", sorted(REQUIRED_ALERTS))
def test_runbook_links_follow_the_configured_base(alert: str) -> None:
    spec = rendered_rules([CI_VALUES / "all-on-values.yaml"])
    rule = next(rule for rule in alert_rules(spec) if rule["alert"] == alert)
    assert rule["annotations"]["runbook_url"] == f"https://runbooks.internal/cdp-worker#{alert.lower()}"
    assert rule["labels"]["severity"] in {"critical", "warning"}
