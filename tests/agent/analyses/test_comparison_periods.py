"""Comparison periods as the business means them, asked the way a person asks (issue 11).

Each question goes through ScoutService.ask with real deps on the session's demo warehouse;
the truth is hand-written SQL over the raw orders table, never Scout's compiler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from agent.demo_data import GeneratedWarehouse
from agent.service import ScoutService
from agent.views import Reply
from bot.core import ThreadRef
from tests.agent.loop_helpers import demo_deps
from tests.conftest import TODAY

REPO = Path(__file__).resolve().parents[3]
WEDNESDAY = date(2025, 12, 10)
Revenue = Callable[[str, str], float]
Open = Callable[[date], Awaitable[ScoutService]]


@pytest.fixture(scope="module")
def revenue(demo_warehouse: GeneratedWarehouse) -> Iterator[Revenue]:
    """Revenue over [start, end) straight from the orders table."""
    con = duckdb.connect(str(demo_warehouse.path), read_only=True)

    def total(start: str, end: str) -> float:
        sql = (
            "SELECT COALESCE(SUM(revenue), 0) FROM orders WHERE order_date >= ? AND order_date < ?"
        )
        days = [date.fromisoformat(start), date.fromisoformat(end)]
        return float(con.execute(sql, days).fetchone()[0])  # type: ignore[index]

    yield total
    con.close()


@pytest.fixture
async def scout(demo_warehouse: GeneratedWarehouse, tmp_path: Path) -> AsyncIterator[Open]:
    """Scout as the service every door calls, on the demo warehouse, for a given `today`."""
    opened: list[ScoutService] = []

    async def _open(today: date) -> ScoutService:
        service = ScoutService(
            await demo_deps(demo_warehouse.path, tmp_path / f"{today}.db", today)
        )
        opened.append(service)
        return service

    yield _open
    for service in opened:
        await service.close()


async def _quiet(_: str) -> None:
    return None


async def _ask(service: ScoutService, text: str) -> Reply:
    thread = ThreadRef(channel="C1", thread_ts=f"{zlib.crc32(text.encode())}.0")  # a new thread
    reply = await service.ask(text, thread=thread, user="U1", on_progress=_quiet)
    assert reply.error is None, reply.error
    return reply


def _windows(reply: Reply) -> tuple[tuple[str, str], tuple[str, str]]:
    """The goal's window and baseline as `scout parse --json` prints them."""
    assert reply.goal is not None
    shown = reply.goal.to_json()
    return (
        (shown["window"]["start"], shown["window"]["end"]),
        (shown["baseline"]["start"], shown["baseline"]["end"]),
    )


def _lookup(reply: Reply) -> dict[str, object]:
    (finding,) = [f for f in reply.findings if f.kind == "lookup"]
    return {**finding.facts, "summary": finding.summary}


async def test_month_to_date_against_the_same_days_of_last_month(
    scout: Open, revenue: Revenue
) -> None:
    reply = await _ask(
        await scout(TODAY), "revenue this month so far vs the same period last month"
    )
    assert _windows(reply) == (("2025-12-01", "2025-12-15"), ("2025-11-01", "2025-11-15"))
    now, before = revenue("2025-12-01", "2025-12-15"), revenue("2025-11-01", "2025-11-15")
    facts = _lookup(reply)
    assert facts["relative_change"] == pytest.approx(now / before - 1)
    assert f"{abs(now / before - 1) * 100:.1f}%" in str(facts["summary"])
    assert "Nov 1 – Nov 14, 2025" in str(facts["summary"])


async def test_last_n_days_against_the_n_days_before_never_itself(
    scout: Open, revenue: Revenue
) -> None:
    reply = await _ask(await scout(TODAY), "revenue last 7 days vs previous 7 days")
    assert _windows(reply) == (("2025-12-08", "2025-12-15"), ("2025-12-01", "2025-12-08"))
    now, before = revenue("2025-12-08", "2025-12-15"), revenue("2025-12-01", "2025-12-08")
    assert _lookup(reply)["relative_change"] == pytest.approx(now / before - 1)
    assert now != before


async def test_last_week_against_the_weekly_average_of_the_four_weeks_before(
    scout: Open, revenue: Revenue
) -> None:
    reply = await _ask(await scout(TODAY), "revenue last week vs the previous 4 weeks")
    assert _windows(reply) == (("2025-12-08", "2025-12-15"), ("2025-11-10", "2025-12-08"))
    week, per_week = revenue("2025-12-08", "2025-12-15"), revenue("2025-11-10", "2025-12-08") / 4
    facts = _lookup(reply)
    assert facts["compared_per"] == "week"
    assert facts["baseline_compared"] == pytest.approx(per_week)
    assert facts["relative_change"] == pytest.approx(week / per_week - 1)
    assert "a week over the 4 weeks" in str(facts["summary"])


async def test_a_calendar_month_against_the_previous_calendar_month_per_day(
    scout: Open, revenue: Revenue
) -> None:
    reply = await _ask(await scout(TODAY), "revenue in October")
    assert _windows(reply) == (("2025-10-01", "2025-11-01"), ("2025-09-01", "2025-10-01"))
    october, september = (
        revenue("2025-10-01", "2025-11-01") / 31,
        revenue("2025-09-01", "2025-10-01") / 30,
    )
    facts = _lookup(reply)
    assert facts["compared_per"] == "day"  # 31 days against 30, and the answer says so
    assert facts["relative_change"] == pytest.approx(october / september - 1)
    assert "compared per day because the periods differ in length (31 days against 30 days)" in str(
        facts["summary"]
    )


async def test_a_baseline_outside_the_data_gets_no_change(scout: Open, revenue: Revenue) -> None:
    service = await scout(TODAY)
    reply = await _ask(service, "revenue vs last year")
    assert _windows(reply) == (("2025-12-08", "2025-12-15"), ("2024-12-09", "2024-12-16"))
    assert revenue("2024-12-09", "2024-12-16") == 0  # no history that far back
    facts = _lookup(reply)
    assert facts["relative_change"] is None and facts["change"] is None
    summary = str(facts["summary"])
    assert "I can't compare it with Dec 9 – Dec 15, 2024" in summary
    assert "%" not in summary and "flat" not in summary and "n/a" not in summary
    # Partly outside: the months before the data began are named, and still no change.
    partly = _lookup(await _ask(service, "revenue in November vs the previous 4 months"))
    assert partly["relative_change"] is None
    assert "Jul 1 – Aug 16, 2025 is not in the data" in str(partly["summary"])


async def test_a_partial_week_against_the_same_weekdays_of_the_week_before(
    scout: Open, revenue: Revenue
) -> None:
    wednesday = await scout(WEDNESDAY)
    reply = await _ask(wednesday, "revenue this week")
    assert _windows(reply) == (("2025-12-08", "2025-12-10"), ("2025-12-01", "2025-12-03"))
    now, before = revenue("2025-12-08", "2025-12-10"), revenue("2025-12-01", "2025-12-03")
    assert _lookup(reply)["relative_change"] == pytest.approx(now / before - 1)
    unusual = await _ask(wednesday, "anything unusual this week?")
    assert _windows(unusual) == (("2025-12-08", "2025-12-10"), ("2025-12-01", "2025-12-03"))
    # On a Monday nothing of this week is complete: the last 7 days, against the 7 before.
    monday = await _ask(await scout(TODAY), "anything unusual this week?")
    assert _windows(monday) == (("2025-12-08", "2025-12-15"), ("2025-12-01", "2025-12-08"))


def test_scout_parse_json_shows_both_windows() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "parse", "revenue in October", "--json", "--today",
         TODAY.isoformat()],
        cwd=REPO,
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["window"] == {"start": "2025-10-01", "end": "2025-11-01"}
    assert shown["baseline"] == {"start": "2025-09-01", "end": "2025-10-01"}
