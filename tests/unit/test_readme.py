"""The README's settings table is generated from the Settings class and must not drift."""

from pathlib import Path

from worker.tools.settings_doc import BEGIN, END, settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_settings_table_matches_the_settings_class() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == settings_table(), "run: python -m worker.tools.settings_doc and paste it"


def test_readme_shows_the_two_set_up_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text
