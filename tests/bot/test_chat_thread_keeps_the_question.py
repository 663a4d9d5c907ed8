"""`scout chat` follow-ups that used to change the question quietly (probe F, class 8), with
every number on screen checked against hand-written SQL on the demo warehouse:

a) "why?" after "per day please" widened the thread to 30 days explained another window
   ("You named no period …") under the 30-day header;
b) "and the week before?" after a month answered a 30-day window no calendar names;
c) "how about vs email?" after paid search vs organic dropped paid search; "compare to
   organic" after the West compared nothing;
d) "drop the filter" took off every filter, not the one added last;
e) a new `scout chat` run carried on the previous run's thread without a word.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from agent.demo_data import GeneratedWarehouse
from bot.cli import main
from tests.conftest import TODAY  # Monday 2025-12-15: last week is Dec 8–14

LAST_WEEK = (date(2025, 12, 8), date(2025, 12, 15))
LAST_30 = (date(2025, 11, 15), date(2025, 12, 15))
BEFORE_30 = (date(2025, 10, 16), date(2025, 11, 15))
OCTOBER = (date(2025, 10, 1), date(2025, 11, 1))
PREVIOUS_WEEK = (date(2025, 12, 1), date(2025, 12, 8))


class _Screen(io.StringIO):
    """stdout as a pipe (a module-scoped run cannot use capsys)."""

    def isatty(self) -> bool:
        return False


def chat(
    lines: list[str], warehouse: GeneratedWarehouse, memory: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """One `scout chat` process's screen, its stdin a pipe of `lines`."""
    config = memory.with_name("scout.yml")
    config.write_text("{}\n")
    screen = _Screen()
    monkeypatch.setenv("SCOUT_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "1000")  # one line per sentence, so the checks read it
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    monkeypatch.setattr("sys.stdout", screen)
    argv = ["chat", "--warehouse", str(warehouse.path), "--today", TODAY.isoformat()]
    argv += ["--memory", str(memory), "--charts", str(memory.with_name("charts"))]
    assert main(argv) == 0
    return screen.getvalue()


def sql(warehouse: GeneratedWarehouse, query: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def dollars(value: float) -> str:
    return f"${round(value):,}"


def answer_to(out: str, line: str) -> str:
    """The screen from `you> line` to the next `you>`."""
    start = out.index(f"you> {line}\n")
    end = out.find("you> ", start + 5)
    return out[start : end if end >= 0 else len(out)]


@pytest.fixture(scope="module")
def screen(
    demo_warehouse: GeneratedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """One chat run holding threads a) to d), each started with `new`."""
    memory = tmp_path_factory.mktemp("chat_thread") / "m.sqlite3"
    lines = [
        "orders yesterday", "per day please", "break that down by channel", "why?",
        "new", "revenue by region last month", "and the week before?",
        "new", "paid search revenue last week", "compare to organic", "how about vs email?",
        "new", "revenue last week", "what about the West?", "compare to organic",
        "new", "why did conversion drop in the Southeast last week?", "what about mobile?",
        "only new customers", "drop the filter",
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as monkeypatch:
        return chat(lines, demo_warehouse, memory, monkeypatch), memory


def test_why_explains_the_window_on_screen(
    screen: tuple[str, Path], demo_warehouse: GeneratedWarehouse
) -> None:
    out = answer_to(screen[0], "why?")
    assert (
        "Goal: explain · orders · by channel · Nov 15 – Dec 14, 2025 · vs Oct 16 – Nov 14, 2025"
        in out
    )
    ((current,),) = sql(
        demo_warehouse, "SELECT COUNT(*) FROM orders WHERE order_date >= ? AND order_date < ?",
        *LAST_30,
    )  # fmt: skip
    ((before,),) = sql(
        demo_warehouse, "SELECT COUNT(*) FROM orders WHERE order_date >= ? AND order_date < ?",
        *BEFORE_30,
    )  # fmt: skip
    # The body explains the header's 30 days against the 30 before, not the days since a move.
    assert f"from {before:,} to {current:,}" in out
    assert "in Nov 15 – Dec 14, 2025 vs Oct 16 – Nov 14, 2025" in out
    assert "You named no period" not in out


def test_the_week_before_a_month_is_the_month_before(
    screen: tuple[str, Path], demo_warehouse: GeneratedWarehouse
) -> None:
    out = answer_to(screen[0], "and the week before?")
    assert (
        "Goal: breakdown · revenue · by region · Oct 1 – Oct 31, 2025 · vs Sep 1 – Sep 30, 2025"
        in out
    )
    rows = sql(
        demo_warehouse,
        "SELECT region, SUM(revenue) FROM orders WHERE order_date >= ? AND order_date < ?"
        " GROUP BY 1",
        *OCTOBER,
    )
    assert len(rows) == 5
    for region, revenue in rows:
        assert re.search(rf"{region}\s+│ {re.escape(dollars(revenue))}\s", out), region
    assert "“the week before” from Nov 1 – Nov 30, 2025 would give Oct 25 – Nov 23, 2025" in out
    assert "so I stepped back to the month before: Oct 1 – Oct 31, 2025." in out


def test_vs_email_keeps_paid_search(
    screen: tuple[str, Path], demo_warehouse: GeneratedWarehouse
) -> None:
    out = answer_to(screen[0], "how about vs email?")
    assert "Goal: compare · revenue · paid_search vs email · Dec 8 – Dec 14, 2025" in out
    totals = dict(
        sql(
            demo_warehouse,
            "SELECT channel, SUM(revenue) FROM orders WHERE order_date >= ? AND order_date < ?"
            " AND channel IN ('paid_search', 'email') GROUP BY 1",
            *LAST_WEEK,
        )
    )
    paid, email = dollars(totals["paid_search"]), dollars(totals["email"])
    assert f"Revenue in Dec 8 – Dec 14, 2025: paid_search {paid} vs email {email}" in out


def test_compare_to_a_channel_after_a_region_sets_it_beside(
    screen: tuple[str, Path], demo_warehouse: GeneratedWarehouse
) -> None:
    out = answer_to(screen[0].split("you> what about the West?", 1)[1], "compare to organic")
    assert "Goal: breakdown · revenue · in West · by channel · Dec 8 – Dec 14, 2025" in out
    for period, column in ((LAST_WEEK, "now"), (PREVIOUS_WEEK, "before")):
        by_channel = dict(
            sql(
                demo_warehouse,
                "SELECT channel, SUM(revenue) FROM orders WHERE order_date >= ?"
                " AND order_date < ? AND region = 'West' GROUP BY 1",
                *period,
            )
        )
        assert len(by_channel) == 6
        for channel, revenue in by_channel.items():
            assert re.search(rf"{channel}\s+│ .*{re.escape(dollars(revenue))}\s", out), (
                channel,
                column,
            )
    assert "Organic is a channel and West a region, so they are no two sides" in out
    assert "here is West by channel, organic beside the other channels" in out


def test_drop_the_filter_drops_the_last_one(
    screen: tuple[str, Path], demo_warehouse: GeneratedWarehouse
) -> None:
    out = answer_to(screen[0], "drop the filter")
    assert "Goal: explain · conversion rate · in mobile × Southeast · Dec 8 – Dec 14, 2025" in out
    rates = [
        sql(
            demo_warehouse,
            "SELECT SUM(CASE WHEN converted THEN 1 ELSE 0 END) / COUNT(*) FROM sessions"
            " WHERE session_date >= ? AND session_date < ? AND region = 'Southeast'"
            " AND device = 'mobile'",
            *period,
        )[0][0]
        for period in (PREVIOUS_WEEK, LAST_WEEK)
    ]
    assert f"from {rates[0]:.2%} to {rates[1]:.2%}" in out
    assert "I took off the filter added last, new customers, and kept mobile × Southeast" in out


def test_a_new_chat_run_starts_a_new_conversation(
    screen: tuple[str, Path],
    demo_warehouse: GeneratedWarehouse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same memory, a new process: "why?" has nothing on screen to explain, so it asks,
    rather than explain the last run's conversion thread."""
    first, memory = screen
    out = chat(["why?"], demo_warehouse, memory, monkeypatch)
    keys = re.findall(r"A new conversation \((terminal:\S+)\)", first + out)
    assert len(keys) == 2 and keys[0] != keys[1]
    assert "nothing from an earlier run carries over" in out
    assert "Which metric do you mean?" in out
    assert "Goal: explain · conversion rate" not in out
