"""Finding kinds are a closed set: strings from memory load as members, typos are refused."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from agent.digest import _section
from agent.domain import Evidence, Finding, FindingKind, Goal, Intent, Window
from agent.memory import Memory

GOAL = Goal(
    intent=Intent.EXPLAIN,
    metric="conversion_rate",
    window=Window(start=date(2025, 12, 8), end=date(2025, 12, 15)),
    text="why did conversion drop?",
)
SQL = Evidence(sql="SELECT 1", description="the check")


def test_an_unknown_kind_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(ValueError, match="unknown finding kind 'explian'") as refused:
        Finding(kind="explian", title="Conversion fell", summary="")  # type: ignore[arg-type]
    message = str(refused.value)
    assert all(kind.value in message for kind in FindingKind)


def test_a_kind_string_becomes_its_member_and_is_written_back_as_the_plain_value() -> None:
    finding = Finding(kind="digest_churn", title="At risk", summary="")  # type: ignore[arg-type]
    assert finding.kind is FindingKind.DIGEST_CHURN
    written = finding.to_json()["kind"]
    assert type(written) is str and written == "digest_churn"
    assert json.loads(json.dumps(finding.to_json()))["kind"] == "digest_churn"


async def test_a_stored_finding_loads_with_its_kind_as_the_enum(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    memory = await Memory.open(path, clock=lambda: datetime(2025, 12, 15, 9, tzinfo=UTC))
    try:
        current = Finding(kind=FindingKind.EXPLAIN, title="Now", summary="", evidence=(SQL,))
        older = Finding(kind=FindingKind.SCORECARD, title="Before", summary="", evidence=(SQL,))
        ids = [await memory.record_finding("T1", GOAL, f) for f in (current, older)]
        # A row written before the segment snapshot was renamed to the scorecard.
        with sqlite3.connect(path) as db:
            row = db.execute("SELECT finding FROM findings WHERE id = ?", (ids[1],)).fetchone()
            stored = {**json.loads(row[0]), "kind": "segment_kpis"}
            db.execute("UPDATE findings SET finding = ? WHERE id = ?", (json.dumps(stored), ids[1]))
        loaded = await memory.evidence_of(ids)
    finally:
        await memory.close()
    assert [(f.title, f.kind) for f in loaded] == [
        ("Now", FindingKind.EXPLAIN),
        ("Before", FindingKind.SCORECARD),
    ]
    assert all(isinstance(f.kind, FindingKind) for f in loaded)


@pytest.mark.parametrize(
    ("section", "kind"),
    [
        ("story", FindingKind.DIGEST_STORY),
        ("movers", FindingKind.DIGEST_MOVERS),
        ("anomalies", FindingKind.DIGEST_ANOMALIES),
        ("forecast", FindingKind.DIGEST_FORECAST),
        ("approvals", FindingKind.DIGEST_APPROVALS),
        ("activity", FindingKind.DIGEST_ACTIVITY),
        ("churn", FindingKind.DIGEST_CHURN),
        ("weekly", FindingKind.DIGEST_WEEKLY),
    ],
)
async def test_a_digest_section_that_fails_says_so_under_its_own_kind(
    section: str, kind: FindingKind
) -> None:
    async def broken() -> Finding | None:
        raise RuntimeError("warehouse went away")

    found = await _section(section, broken)
    assert found is not None and found.kind is kind
    assert "could not be computed" in found.summary and found.confidence == 0.0
