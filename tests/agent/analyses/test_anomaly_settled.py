"""A segment is reported only when the move is news for the segment itself.

Support tickets by region and topic, drawn here as seeded Poisson counts with a known story:
a month-long surge in one region that hits some topics six-fold and others hardly at all,
then ends. Against its siblings' index a quiet topic looks low during the surge and high
after it; against its last three weeks the region looks low once the surge ends. Neither is
news. A real move of the segment itself still is.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from agent.analyses.anomaly import detect_segments

START = date(2026, 4, 6)  # a Monday
DAYS = 140
REGIONS = ("Midwest", "West", "Northeast", "South", "Southwest")
# Tickets a day per region for each topic, and the topic's multiplier inside the surge.
TOPICS = {
    "account": (2.4, 1.3),
    "billing": (3.0, 2.0),
    "delivery": (3.0, 6.0),
    "refund": (2.0, 6.0),
    "quality": (2.4, 6.0),
    "other": (2.0, 1.3),
}
SURGE_START = START + timedelta(days=84)
SURGE_DAYS = 31
SURGE = 12.0  # the region's tickets, times this on topics that surge 6-fold (scaled below)


def _tickets(
    *, surge_region: str = "Midwest", drop: tuple[str, date, float] | None = None
) -> pd.DataFrame:
    """Daily tickets per (region, topic): the surge in `surge_region`, and an optional drop of
    one topic everywhere from a day (`drop` = topic, day, multiplier)."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        surging = SURGE_START <= day < SURGE_START + timedelta(days=SURGE_DAYS)
        for region in REGIONS:
            for topic, (rate, lift) in TOPICS.items():
                lam = rate
                if surging and region == surge_region:
                    lam *= lift * SURGE / 6.0
                if drop is not None and topic == drop[0] and day >= drop[1]:
                    lam *= drop[2]
                rows.append((day, region, topic, int(rng.poisson(lam))))
    return pd.DataFrame(rows, columns=["date", "region", "topic", "value"])


def _found(frame: pd.DataFrame, since: date) -> list[tuple[dict[str, str], str, date]]:
    found = detect_segments({"tickets": frame}, dimensions=["region", "topic"], since=since)
    return [(dict(a.where), a.direction, a.day) for a in found if a.where]


def _hand_daily(frame: pd.DataFrame, column: str, value: str) -> pd.Series:
    rows = frame[frame[column] == value]
    return rows.groupby("date")["value"].sum()


def test_a_quiet_topic_is_not_low_because_a_surge_lifted_its_siblings() -> None:
    frame = _tickets()
    since = SURGE_START
    found = _found(frame, since)
    # Premise, by hand: account tickets during the surge are no lower than before it.
    account = _hand_daily(frame, "topic", "account")
    before = account[account.index < since].tail(56).mean()
    during = account[(account.index >= since)].head(14).mean()
    assert during >= before
    assert ({"region": "Midwest"}, "up", SURGE_START) in found
    assert not [f for f in found if f[0].get("topic") in ("account", "other")]


def test_the_end_of_a_surge_is_not_reported_as_a_new_drop() -> None:
    frame = _tickets()
    end = SURGE_START + timedelta(days=SURGE_DAYS)
    found = _found(frame, end)
    # Premise, by hand: the Midwest after the surge is back at its level before it.
    midwest = _hand_daily(frame, "region", "Midwest")
    before = midwest[midwest.index < SURGE_START].tail(56).mean()
    after = midwest[midwest.index >= end].mean()
    during = midwest[(midwest.index >= SURGE_START) & (midwest.index < end)].mean()
    assert abs(after / before - 1) < 0.15 and during > 5 * before
    assert not [f for f in found if f[0] == {"region": "Midwest"}]
    # Nor do the topics the surge had lifted least read as "up" once their siblings fall.
    assert not [f for f in found if f[0].get("topic") in ("account", "other")]


def test_a_real_fall_of_one_topic_is_still_reported() -> None:
    day = START + timedelta(days=DAYS - 10)
    frame = _tickets(surge_region="none", drop=("billing", day, 0.3))
    found = _found(frame, day - timedelta(days=4))
    billing = _hand_daily(frame, "topic", "billing")
    assert billing[billing.index >= day].mean() < 0.45 * billing[billing.index < day].mean()
    assert [f for f in found if f[0] == {"topic": "billing"}] == [
        ({"topic": "billing"}, "down", day)
    ]


def test_a_segment_that_fell_on_black_friday_while_the_rest_surged_is_reported() -> None:
    # Orders by region; Black Friday (Nov 27, 2026) lifts every region 2.5-fold but the
    # West, which falls to half a normal day. A holiday allowance on the West's own history
    # (a wide band around an ordinary day) would call that fall ordinary for the day.
    rng = np.random.default_rng(9)
    black_friday = date(2026, 11, 27)
    start = black_friday - timedelta(days=100)
    rows = []
    for i in range(101):
        day = start + timedelta(days=i)
        for region in REGIONS:
            lam = 60.0
            if day == black_friday:
                lam *= 0.5 if region == "West" else 2.5
            rows.append((day, region, int(rng.poisson(lam))))
    frame = pd.DataFrame(rows, columns=["date", "region", "value"])
    holidays = {black_friday: "black_friday"}
    found = detect_segments(
        {"orders": frame}, dimensions=["region"], since=black_friday, holidays=holidays
    )
    assert [(dict(a.where), a.direction, a.day) for a in found if a.where] == [
        ({"region": "West"}, "down", black_friday)
    ]


def _devices_on_a_surge_day(desktop_lift: float) -> pd.DataFrame:
    """Daily revenue by device; on Sat 2026-11-21 (six days before Black Friday, a surge day
    of the retail calendar) the two small devices run 1.8 times their usual, and desktop,
    four fifths of the store, `desktop_lift` times."""
    rng = np.random.default_rng(11)
    surge_day = date(2026, 11, 21)
    usual = {"desktop": 8000.0, "mobile": 1000.0, "tablet": 1000.0}
    rows = []
    for i in range(101):
        day = surge_day - timedelta(days=100 - i)
        for device, level in usual.items():
            lift = (desktop_lift if device == "desktop" else 1.8) if day == surge_day else 1.0
            rows.append((day, device, level * lift * float(rng.lognormal(0.0, 0.08))))
    return pd.DataFrame(rows, columns=["date", "device", "value"])


def test_on_a_surge_day_a_segment_in_step_with_the_store_is_not_low() -> None:
    # The sibling index is the median of three devices' departures: two small ones running
    # high pull it to 1.8, and desktop's 1.1 reads as a 40% fall. Against the whole store
    # (up a quarter that day, desktop included) desktop is within its own noise.
    surge_day = date(2026, 11, 21)
    holidays = {surge_day: "black_friday-6"}
    found = detect_segments(
        {"revenue": _devices_on_a_surge_day(1.1)},
        dimensions=["device"],
        since=surge_day,
        holidays=holidays,
    )
    assert [a for a in found if a.where.get("device") == "desktop"] == []
    # Desktop that really fell that day, while the store rose, is still reported.
    fell = detect_segments(
        {"revenue": _devices_on_a_surge_day(0.5)},
        dimensions=["device"],
        since=surge_day,
        holidays=holidays,
    )
    assert [(dict(a.where), a.direction) for a in fell if a.where.get("device") == "desktop"] == [
        ({"device": "desktop"}, "down")
    ]
