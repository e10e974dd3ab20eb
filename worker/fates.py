"""The fate table: per CDP API and HTTP status, what happens to the record.  [pure]

Like an HTTP sink's ``retry on`` / ``drop on`` lists, one table decides, and users can override it with
``CDPW_FATE_OVERRIDES`` (e.g. ``stream:409=done,rest:5xx=dead_letter,*:418=retry``). Keys are an
exact status (``409``) or a class (``4xx``); the API is ``stream``, ``rest``, ``batch`` or ``*``.
Exact statuses win over classes, a named API over ``*``, overrides over the defaults.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Action(enum.StrEnum):
    DONE = "done"
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"
    STOP = "stop"


DEFAULTS: Mapping[str, Action] = {
    "*:2xx": Action.DONE,
    "*:3xx": Action.DEAD_LETTER,
    "*:4xx": Action.DEAD_LETTER,
    "*:401": Action.STOP,
    "*:403": Action.STOP,
    "*:408": Action.RETRY,
    "*:429": Action.RETRY,
    "*:5xx": Action.RETRY,
}
APIS = ("stream", "rest", "batch", "*")


@dataclass(frozen=True)
class FateTable:
    """Decides the fate of a CDP answer; build with :func:`fate_table`."""

    rules: Mapping[str, Action] = field(default_factory=lambda: dict(DEFAULTS))

    def decide(self, api: str, status: int) -> Action:
        """The action for ``status`` from ``api`` (unknown statuses are dead letters)."""
        klass = f"{status // 100}xx"
        for key in (f"{api}:{status}", f"*:{status}", f"{api}:{klass}", f"*:{klass}"):
            action = self.rules.get(key)
            if action is not None:
                return action
        return Action.DEAD_LETTER


def fate_table(overrides: str = "") -> FateTable:
    """The default table with ``overrides`` applied; raises ``ValueError`` naming a bad entry."""
    rules = dict(DEFAULTS)
    for entry in (part.strip() for part in overrides.split(",")):
        if entry:
            key, action = _parse(entry)
            rules[key] = action
    return FateTable(rules)


def _parse(entry: str) -> tuple[str, Action]:
    target, sep, action = entry.partition("=")
    api, colon, status = target.strip().partition(":")
    if not sep or not colon or api not in APIS or not _status_ok(status):
        raise ValueError(f"fate override {entry!r}: expected API:STATUS=ACTION, e.g. rest:409=done")
    try:
        return f"{api}:{status}", Action(action.strip())
    except ValueError:
        choices = ", ".join(a.value for a in Action)
        raise ValueError(f"fate override {entry!r}: action must be one of {choices}") from None


def _status_ok(status: str) -> bool:
    if len(status) != 3 or status[0] not in "12345":
        return False
    return status[1:].isdigit() or status[1:] == "xx"
