"""default_demo_warehouse: reuse the file in the data dir, or build it for today."""

from __future__ import annotations

import json
import sys
import types
from datetime import date
from pathlib import Path

import pytest

from agent.warehouse import default_demo_warehouse


def test_existing_demo_warehouse_is_reused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, handmade_path: Path
) -> None:
    monkeypatch.setenv("SCOUT_HOME", str(tmp_path))
    target = tmp_path / "demo" / "warehouse.duckdb"
    target.parent.mkdir()
    target.write_bytes(handmade_path.read_bytes())
    (target.parent / "scenarios.json").write_text('{"today": "2025-12-15"}')
    assert default_demo_warehouse(today=date(2025, 12, 15)) == target


def test_missing_demo_warehouse_is_generated_with_the_demo_seed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Only the wiring is checked here (out dir, seed, today); the generator has its own tests.
    calls: list[dict[str, object]] = []

    def generate(*, out: Path, seed: int, today: date) -> types.SimpleNamespace:
        calls.append({"out": out, "seed": seed, "today": today})
        (out / "warehouse.duckdb").write_bytes(b"")
        (out / "scenarios.json").write_text(json.dumps({"today": today.isoformat()}))
        return types.SimpleNamespace(path=out / "warehouse.duckdb")

    module = types.ModuleType("agent.demo_data")
    module.generate = generate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.demo_data", module)
    monkeypatch.setenv("SCOUT_HOME", str(tmp_path))
    path = default_demo_warehouse(today=date(2025, 12, 15))
    assert path == tmp_path / "demo" / "warehouse.duckdb"
    assert calls == [{"out": tmp_path / "demo", "seed": 42, "today": date(2025, 12, 15)}]
    # Second call: already there, nothing generated.
    default_demo_warehouse(today=date(2025, 12, 15))
    assert len(calls) == 1
    # The next day the demo is rebuilt, so "yesterday" always has data.
    default_demo_warehouse(today=date(2025, 12, 16))
    assert [c["today"] for c in calls] == [date(2025, 12, 15), date(2025, 12, 16)]
