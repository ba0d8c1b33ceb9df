"""The README's settings table is generated from the settings model and must not drift."""

from __future__ import annotations

from cryptodesk.config import settings_table
from tests.shared import REPO


def test_readme_settings_table_matches_the_settings_model() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert block.strip() == settings_table().strip(), "run: cryptodesk settings-doc"


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
