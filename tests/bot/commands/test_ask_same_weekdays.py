"""'Is Southeast conversion down this week?' on a Wednesday compares Mon–Tue with Mon–Tue. Its
noise was read from past two-day pairs stepped two days at a time: weekends mixed in, and the
days between the baseline and the window (where the injected drop began, on Thursday) read as
past noise, so a −39% drop was "within normal variation (−7.6% ± 18.4%)". Past pairs are now
the same weekdays, a week at a time. Through `scout ask`, the truth from hand-written SQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from agent.demo_data import GeneratedWarehouse, generate
from bot.cli import main

TODAY = date(2026, 6, 17)  # a Wednesday: "this week" is Mon Jun 15 – Tue Jun 16


@pytest.fixture(scope="module")
def seed_23(tmp_path_factory: pytest.TempPathFactory) -> GeneratedWarehouse:
    # The probe's warehouse: its Southeast conversion drop begins on Thu Jun 11.
    return generate(out=tmp_path_factory.mktemp("seed23"), seed=23, today=TODAY, days=180)


def _rate(con: duckdb.DuckDBPyConnection, start: date, days: int) -> float:
    (value,) = con.execute(
        "SELECT avg(converted::int) FROM sessions WHERE region = 'Southeast' "
        "AND session_date >= ? AND session_date < ?",
        [start, start + timedelta(days=days)],
    ).fetchone()
    return float(value)


def test_a_part_week_drop_is_judged_against_the_same_weekdays_before(
    seed_23: GeneratedWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = next(s for s in seed_23.scenarios if s.kind == "conversion_drop")
    assert str(drop.start) == "2026-06-11" and drop.where == {"region": "Southeast"}
    argv = ["ask", "is Southeast conversion down this week?", "--json", "--today", str(TODAY)]
    argv += ["--warehouse", str(seed_23.path), "--memory", str(tmp_path / "m.sqlite3")]
    assert main(argv) == 0
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    monday = date(2026, 6, 15)
    with duckdb.connect(str(seed_23.path), read_only=True) as con:
        now, before = _rate(con, monday, 2), _rate(con, monday - timedelta(days=7), 2)
        # Mon–Tue against the Mon–Tue before, for each of the ten weeks before this one.
        past = []
        for k in range(1, 11):
            start = monday - timedelta(days=7 * k)
            past.append(_rate(con, start, 2) / _rate(con, start - timedelta(days=7), 2) - 1)
    change = now / before - 1
    center = float(np.median(past))
    spread = 1.4826 * float(np.median(np.abs(np.array(past) - center)))
    reason = finding["facts"]["noise_reason"]
    assert f"a {change:+.1%} change against past changes of {center:+.1%} ± {spread:.1%}" in (
        reason
    )
    assert abs((change - center) / spread) > 2.5  # by hand: far outside the weeks before
    assert "within normal variation" not in finding["summary"]
    assert finding["facts"]["within_noise"] is False


def test_a_day_is_judged_against_pairs_that_start_at_its_baseline(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tuesday Sep 8 against Tuesday Sep 1, on the sixth day of a mobile conversion drop: the
    ten past pairs were the ten days before, five of them inside the drop, so a -24% day was
    "within normal variation (-13.7% ± 16.0%)". Pairs now start at the baseline day."""
    today = date(2026, 9, 9)
    warehouse = generate(out=tmp_path_factory.mktemp("seed61"), seed=61, today=today, days=180)
    drop = warehouse.scenario("conversion_drop")
    assert str(drop.start) == "2026-09-03"
    argv = ["ask", "why was revenue down yesterday?", "--json", "--today", str(today)]
    argv += [
        "--warehouse",
        str(warehouse.path),
        "--memory",
        str(tmp_path_factory.mktemp("m") / "m"),
    ]
    assert main(argv) == 0
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        daily = dict(
            con.execute("SELECT order_date, sum(revenue) FROM orders GROUP BY 1").fetchall()
        )

    def change(day: date) -> float:
        return daily[day] / daily[day - timedelta(days=7)] - 1

    day = today - timedelta(days=1)
    past = np.array([change(day - timedelta(days=k)) for k in range(7, 17)])
    center = float(np.median(past))
    spread = 1.4826 * float(np.median(np.abs(past - center)))
    assert abs((change(day) - center) / spread) > 2.5  # by hand: far outside its history
    reason = finding["facts"]["noise_reason"]
    assert f"a {change(day):+.1%} change against past changes of {center:+.1%} ± {spread:.1%}" in (
        reason
    )
    assert finding["facts"]["within_noise"] is False
