"""Segments and cells: expectations from each segment's own history, one name per story.

The data are drawn here with known effects (seeded Poisson counts), so the truth is by
construction: which segment moved, from which day, by how much.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from agent.analyses.anomaly import detect_segments

START = date(2026, 8, 3)  # a Monday
DAYS = 84
SINCE = START + timedelta(days=DAYS - 14)
REGIONS = ("North", "South", "East", "West", "Central")
DEVICES = ("desktop", "mobile", "tablet")
CHANNELS = ("organic", "paid", "email", "social")


def _counts(
    rates: dict[tuple[str, str, str], float], effect: dict[tuple[str, str, str], float], seed: int
) -> pd.DataFrame:
    """Daily counts per (region, device, channel) leaf; `effect` multiplies a leaf from SINCE+3."""
    rng = np.random.default_rng(seed)
    weekly = np.array([1.0, 1.0, 1.0, 1.0, 1.1, 0.8, 0.8])
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for leaf, rate in rates.items():
            lam = rate * weekly[day.weekday()]
            if day >= SINCE + timedelta(days=3):
                lam *= effect.get(leaf, 1.0)
            rows.append((day, *leaf, int(rng.poisson(lam))))
    return pd.DataFrame(rows, columns=["date", "region", "device", "channel", "value"])


def _rates() -> dict[tuple[str, str, str], float]:
    return {
        (r, d, c): 40.0 * rs * ds * cs
        for r, rs in zip(REGIONS, (1.0, 1.2, 0.8, 1.0, 0.9), strict=True)
        for d, ds in zip(DEVICES, (1.0, 1.2, 0.3), strict=True)
        for c, cs in zip(CHANNELS, (1.0, 0.8, 0.4, 0.6), strict=True)
    }


def test_a_surge_in_one_region_does_not_make_the_others_look_low() -> None:
    surge = {leaf: 3.0 for leaf in _rates() if leaf[0] == "South"}
    frame = _counts(_rates(), surge, seed=1)
    found = detect_segments({"orders": frame}, dimensions=["region"], since=SINCE)
    # The rest of the total carries the surge, so a share of it would read every other
    # region as down; against the regions' own levels only the South moved.
    assert [(dict(a.where), a.direction, a.day) for a in found if a.where] == [
        ({"region": "South"}, "up", SINCE + timedelta(days=3))
    ]
    (south,) = [a for a in found if a.where]
    assert south.days == 11  # one run, from its first day to the last checked day
    truth = frame[(frame.region == "South") & (frame.date >= SINCE + timedelta(days=3))]
    assert south.actual == truth.groupby("date").value.sum().mean()


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 11): the parent 'desktop' is still reported next to its cell; "
    "the rest of desktop reads low against the device family's index",
)
def test_a_drop_in_one_cell_is_named_at_that_cell() -> None:
    rates = _rates()
    drop = {leaf: 0.4 for leaf in rates if leaf[1] == "desktop" and leaf[2] == "organic"}
    frame = _counts(rates, drop, seed=2)
    found = detect_segments(
        {"orders": frame}, dimensions=["region", "device", "channel"], since=SINCE
    )
    named = [(dict(a.where), a.direction, a.day) for a in found]
    # Not "organic", not "desktop", not the total: the cell that moved, from the day it did.
    assert named == [
        ({"device": "desktop", "channel": "organic"}, "down", SINCE + timedelta(days=3))
    ]


def test_a_broad_drop_is_named_at_its_segment_not_at_its_cells() -> None:
    rates = _rates()
    drop = {leaf: 0.5 for leaf in rates if leaf[0] == "West"}
    frame = _counts(rates, drop, seed=3)
    found = detect_segments(
        {"orders": frame}, dimensions=["region", "device", "channel"], since=SINCE
    )
    assert [(dict(a.where), a.direction) for a in found] == [({"region": "West"}, "down")]


def test_quiet_data_raises_nothing() -> None:
    found = detect_segments(
        {"orders": _counts(_rates(), {}, seed=4)},
        dimensions=["region", "device", "channel"],
        since=SINCE,
    )
    assert found == []


def _by_customer_type(spike: float, *, everyone: bool, seed: int) -> pd.DataFrame:
    """Daily counts per (region, customer type) leaf, returning customers 70% of the volume;
    on SINCE+5 `spike` multiplies returning customers only, or every leaf (`everyone`)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for region in REGIONS:
            for kind, rate in (("new", 30.0), ("returning", 70.0)):
                lam = rate * (1.2 if region == "South" else 1.0)
                if day == SINCE + timedelta(days=5) and (everyone or kind == "returning"):
                    lam *= spike
                rows.append((day, region, kind, int(rng.poisson(lam))))
    return pd.DataFrame(rows, columns=["date", "region", "customer_type", "value"])


def test_a_spike_in_one_of_two_segments_is_named_there_and_not_as_the_other_low() -> None:
    frame = _by_customer_type(2.2, everyone=False, seed=5)
    found = detect_segments({"orders": frame}, dimensions=["region", "customer_type"], since=SINCE)
    typed = [(dict(a.where), a.direction, a.day) for a in found if "customer_type" in a.where]
    # Returning customers lift every region, so the regions' index rises with them: held to
    # what both customer types show, it does not make new customers read as down.
    assert typed == [({"customer_type": "returning"}, "up", SINCE + timedelta(days=5))]


def test_a_store_wide_surge_is_not_called_unusual_for_either_of_two_segments() -> None:
    frame = _by_customer_type(2.0, everyone=True, seed=6)
    found = detect_segments({"orders": frame}, dimensions=["region", "customer_type"], since=SINCE)
    assert [a for a in found if "customer_type" in a.where] == []
    assert any(a.where == {} and a.direction == "up" for a in found)  # the store did move


def test_a_run_under_its_bar_is_kept_as_a_near_miss_not_reported() -> None:
    # A small region (about 11 orders a day) down a third: real, but at these counts short of a
    # segment's bar over the days there are.
    rates = {leaf: r * (0.05 if leaf[0] == "East" else 1.0) for leaf, r in _rates().items()}
    fall = {leaf: 0.66 for leaf in rates if leaf[0] == "East"}
    frame = _counts(rates, fall, seed=3)
    near: list = []
    found = detect_segments({"orders": frame}, dimensions=["region"], since=SINCE, near=near)
    assert not [a for a in found if a.where == {"region": "East"}]
    east = [m for m in near if m.anomaly.where == {"region": "East"}]
    assert east and east[0].anomaly.direction == "down"
    assert east[0].bar == 4.5 and east[0].anomaly.score < east[0].bar
    # Without the list nothing changes: the same anomalies are reported.
    assert detect_segments({"orders": frame}, dimensions=["region"], since=SINCE) == found
