"""The status diagram in the README is drawn from the status table itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from domicili.statuses import STATUSES, TRANSITIONS, mermaid

pytestmark = pytest.mark.one_store  # no database

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_diagram_is_the_one_drawn_from_the_table() -> None:
    assert mermaid() in README.read_text(encoding="utf-8"), (
        "README's mermaid diagram is stale: paste "
        '`python -c "from domicili.statuses import mermaid; print(mermaid())"`'
    )


def test_the_diagram_shows_every_status_and_every_transition() -> None:
    drawn = mermaid()
    for status, row in STATUSES.items():
        assert f"{status.value}: {row.code} {row.label}" in drawn
    for t in TRANSITIONS:
        for source in t.sources:
            assert f"{source.value} --> {t.dest.value}: {t.trigger}" in drawn
