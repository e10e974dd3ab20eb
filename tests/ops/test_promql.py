"""The PromQL selector reader used by the dashboard and alert checks finds selectors and nothing else."""

from __future__ import annotations

from tests.ops.promql import exported_names, metric_names, selectors


def test_selectors_skip_functions_aggregations_grouping_labels_ranges_and_offsets() -> None:
    expr = (
        'sum by (job, stage) ((a_total{job="x"} unless a_total{job="x"} offset 10m) or increase(b[5m])) > 0.5'
        " and on (job) max(c) by (job)"
        " + 1e3 * histogram_quantile(0.9, sum by (le) (rate(d_bucket[$__rate_interval])))"
    )
    assert selectors(expr) == ['a_total{job="x"}', 'a_total{job="x"}', "b", "c", "d_bucket"]


def test_label_names_and_values_inside_matchers_are_not_metrics() -> None:
    assert metric_names('rate(cdpw_retries_total{api=~"stream|rest",reason="throttled"}[1m])') == {
        "cdpw_retries_total"
    }


def test_exported_names_follow_the_exposition_suffixes() -> None:
    names = exported_names()
    assert {"cdpw_records_consumed_total", "cdpw_dead_letters_total", "cdpw_build_info"} <= names
    assert {"cdpw_cdp_request_duration_seconds_bucket", "cdpw_consumer_lag_seconds"} <= names
    assert "cdpw_records_consumed" not in names
