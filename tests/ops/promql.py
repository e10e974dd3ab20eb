"""Just enough PromQL reading to list the series selectors of an expression, and the names the worker exports.

Used to prove that every metric the dashboard and the alerts name is one that ``worker/metrics.py``
defines, and (in the live test) that each selector matches series scraped from a running worker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prometheus_client import CollectorRegistry

from worker.metrics import create_metrics

_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\d[\w.]*|\{[^}]*\}|\[[^\]]*\]|[a-zA-Z_:][\w:]*|\S')
_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_AGGREGATORS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
                "topk", "quantile", "limitk", "limit_ratio"}  # fmt: skip
_KEYWORDS = _GROUPING | _AGGREGATORS | {"and", "or", "unless", "bool", "offset", "Inf", "NaN", "inf", "nan"}
_NAME = re.compile(r"[a-zA-Z_:][\w:]*$")
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "info": ("_info",),
    "gauge": ("",),
}
PROMETHEUS_OWN = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})


def _tokens(expr: str) -> list[str]:
    return [token for token in _TOKEN.findall(expr) if not token.isspace()]


def _skip_list(tokens: list[str], index: int) -> int:
    """Index after a parenthesised label list starting at ``index`` (or ``index`` if there is none)."""
    if index >= len(tokens) or tokens[index] != "(":
        return index
    while index < len(tokens) and tokens[index] != ")":
        index += 1
    return index + 1


def _walk(tokens: list[str]) -> Iterator[str]:
    index = 0
    while index < len(tokens):
        token, following = tokens[index], tokens[index + 1] if index + 1 < len(tokens) else ""
        index += 1
        if token in _GROUPING:
            index = _skip_list(tokens, index)
        elif _NAME.match(token) and token not in _KEYWORDS and following != "(":
            matchers = following if following.startswith("{") else ""
            index += 1 if matchers else 0
            yield token + matchers


def selectors(expr: str) -> list[str]:
    """Every ``name{matchers}`` vector selector in ``expr``, in order, without range or offset."""
    return list(_walk(_tokens(expr)))


def metric_names(expr: str) -> set[str]:
    """The metric names ``expr`` reads."""
    return {selector.split("{", 1)[0] for selector in selectors(expr)}


def exported_names() -> set[str]:
    """Every series name the worker exposes, from the single definition in ``worker/metrics.py``."""
    registry = CollectorRegistry()
    create_metrics(registry)
    return {family.name + suffix for family in registry.collect() for suffix in SUFFIXES[family.type]}


GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "5m"}
_TEMPLATE_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def substitute(expr: str, durations: dict[str, str] | None = None) -> str:
    """A Grafana expression made plain PromQL: interval macros get durations, ``$var`` matches anything."""
    for macro, duration in {**GRAFANA_VARIABLES, **(durations or {})}.items():
        expr = expr.replace(macro, duration)
    return _TEMPLATE_VARIABLE.sub(".*", expr)
