"""The README's settings table, generated from :class:`worker.config.Settings` (a test keeps them equal)."""

from __future__ import annotations

from pydantic import SecretStr

from worker.config import PREFIX, Settings

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def _default(value: object) -> str:
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    text = str(value)
    return "/app/schemas (repo: schemas/)" if text.endswith("/schemas") else text


def settings_table() -> str:
    """Markdown table: variable, default, description."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = _default(info.default) or "(empty)"
        rows.append(f"| `{PREFIX}{name.upper()}` | `{default}` | {info.description} |")
    return "\n".join([BEGIN, *rows, END])


if __name__ == "__main__":
    print(settings_table())
