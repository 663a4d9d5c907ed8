"""Runs: a sustained shift is one anomaly; a spike with a somewhat high neighbour is a spike."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from agent.analyses.anomaly import DayCheck, find_runs

MONDAY = date(2026, 11, 23)


def _checks(zs: list[float]) -> list[DayCheck]:
    return [
        DayCheck(
            day=MONDAY + timedelta(days=k), actual=100.0 + 10 * z, expected=100.0, z=z, holiday=None
        )
        for k, z in enumerate(zs)
    ]


def test_a_spike_with_a_somewhat_high_day_before_is_reported_on_its_own_day() -> None:
    # Tue z 2.4, Wed z 4.45: together (2.4 + 4.45) / sqrt(2) = 4.84 beats Wed alone, but
    # without Wed the rest is 2.4 < 2.5, so it is one spike on Wed, not a run from Tue.
    (run,) = find_runs(_checks([0.1, 2.4, 4.45, 0.2]))
    assert (run.start, run.days) == (MONDAY + timedelta(days=2), 1)
    assert run.z == pytest.approx(4.45)
    assert run.actual == pytest.approx(144.5)


def test_a_shift_that_holds_without_its_strongest_day_stays_one_run() -> None:
    # Mon-Wed at -3.0, -2.0, -3.2: the run scores -8.2 / sqrt(3) = -4.73; without Wed the
    # rest is (-3.0 - 2.0) / sqrt(2) = -3.54, beyond -2.5: a sustained shift from Mon.
    (run,) = find_runs(_checks([-3.0, -2.0, -3.2, 0.3]))
    assert (run.start, run.days) == (MONDAY, 3)
    assert run.z == pytest.approx(-8.2 / math.sqrt(3))


def test_a_run_starts_on_its_first_unusual_day_not_a_somewhat_low_one_before_it() -> None:
    # Probe D (seed 44): returning mobile conversion, z by day from Mar 29; the drop began on
    # Apr 1 and Mar 31 (z -1.4) was an ordinary low day, though it adds to the combined z.
    start = date(2026, 3, 29)
    zs = [-0.8, 0.5, -1.38, -2.91, -2.43, -2.98, -3.5, -3.18, -1.68, -3.08]
    checks = [
        DayCheck(day=start + timedelta(days=i), actual=1.0, expected=1.0, z=z, holiday=None)
        for i, z in enumerate(zs)
    ]
    (run,) = find_runs(checks)
    assert (run.start, run.days) == (date(2026, 4, 1), 7)
    assert run.z == pytest.approx(sum(zs[3:]) / math.sqrt(7))
