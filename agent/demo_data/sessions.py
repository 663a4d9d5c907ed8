"""Web sessions and the purchase funnel, drawn in bulk with numpy (one row per session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from agent.demo_data import calendar, world
from agent.demo_data.scenarios import Plan

_HOURS_DESKTOP = np.array(
    [1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4.2, 4.5,
     4.6, 4.5, 4.4, 4.2, 4.0, 3.8, 3.4, 3.2, 3.0, 2.6, 2.0, 1.4]
)  # fmt: skip
_EVENING = np.array([1.0] * 18 + [1.7] * 5 + [1.3])
_HOURS = np.stack([_HOURS_DESKTOP, _HOURS_DESKTOP * _EVENING * 1.1, _HOURS_DESKTOP * _EVENING])
_HOURS = _HOURS / _HOURS.sum(axis=1, keepdims=True)


@dataclass
class Sessions:
    """Columns of the sessions table as arrays; `customer` is filled by customers.py."""

    day: np.ndarray  # int32 index into the covered dates
    second: np.ndarray  # seconds since midnight
    device: np.ndarray
    region: np.ndarray
    state: np.ndarray
    channel: np.ndarray
    ctype: np.ndarray  # 0 new, 1 returning
    landing: np.ndarray
    p_convert: np.ndarray  # the session's conversion probability (after any injected drop)
    added_to_cart: np.ndarray
    checkout_started: np.ndarray
    converted: np.ndarray
    customer: np.ndarray  # int64 customer index, -1 anonymous

    def __len__(self) -> int:
        return len(self.day)


def segment_mask(s: Sessions, where: dict[str, str]) -> np.ndarray:
    """Sessions matching every dimension = value of `where`."""
    columns = {
        "region": s.region,
        "device": s.device,
        "channel": s.channel,
        "customer_type": s.ctype,
    }
    mask = np.ones(len(s), dtype=bool)
    for dim, value in where.items():
        if dim not in columns:
            raise ValueError(f"cannot segment sessions by {dim}")
        mask &= columns[dim] == world.DIMENSION_VALUES[dim].index(value)
    return mask


def make_sessions(
    rng: np.random.Generator,
    dates: list[date],
    today: date,
    scale: float,
    drop: Plan | None,
) -> Sessions:
    """Draw every session of the covered days with its funnel outcome."""
    counts = rng.poisson(calendar.traffic(dates, today) * scale)  # (days, devices)
    flat = counts.ravel()
    day = np.repeat(np.arange(len(dates), dtype=np.int32), counts.sum(axis=1))
    device = np.repeat(np.tile(np.arange(3, dtype=np.int8), len(dates)), flat)
    n = len(day)

    hour = np.empty(n, dtype=np.int32)
    for d in range(3):
        idx = np.flatnonzero(device == d)
        hour[idx] = world.draw_codes(rng, len(idx), _HOURS[d]).astype(np.int32)
    second = hour * 3600 + rng.integers(0, 3600, n, dtype=np.int32)

    region = world.draw_codes(rng, n, world.REGION_SHARE)
    state = (region * 5 + world.draw_codes(rng, n, world.STATE_SHARE_IN_REGION)).astype(np.int8)
    channel = world.draw_codes(rng, n, world.CHANNEL_SHARE)
    ctype = (rng.random(n) < world.RETURNING_SHARE[channel]).astype(np.int8)
    mix_cdf = np.cumsum(calendar.category_mix(dates), axis=1)
    u = rng.random(n)
    landing = np.zeros(n, dtype=np.int8)
    for c in range(5):
        landing += (u >= mix_cdf[day, c]).astype(np.int8)

    order = np.lexsort((second, day))
    s = Sessions(
        day=day[order],
        second=second[order],
        device=device[order],
        region=region[order],
        state=state[order],
        channel=channel[order],
        ctype=ctype[order],
        landing=landing[order],
        p_convert=np.empty(0),
        added_to_cart=np.empty(0, dtype=bool),
        checkout_started=np.empty(0, dtype=bool),
        converted=np.empty(0, dtype=bool),
        customer=np.full(n, -1, dtype=np.int64),
    )
    _funnel(rng, s, dates, drop)
    return s


def _funnel(rng: np.random.Generator, s: Sessions, dates: list[date], drop: Plan | None) -> None:
    p_atc = world.ATC_DEVICE[s.device] * world.ATC_CHANNEL[s.channel] * world.ATC_TYPE[s.ctype]
    p_checkout = world.CHECKOUT_DEVICE[s.device]
    p_pay = world.PAY_DEVICE[s.device] * world.PAY_TYPE[s.ctype]
    u = rng.random((3, len(s)))
    s.added_to_cart = u[0] < p_atc
    s.checkout_started = s.added_to_cart & (u[1] < p_checkout)
    s.converted = s.checkout_started & (u[2] < p_pay)
    s.p_convert = p_atc * p_checkout * p_pay
    if drop is not None:
        _inject_drop(rng, s, dates, drop)


def _inject_drop(rng: np.random.Generator, s: Sessions, dates: list[date], drop: Plan) -> None:
    """Payments fail in the segment: checkouts start, but just enough of them do not
    complete that the segment converts at (1 + target) times its rate of the 28 days before.

    Calibrating against the baseline (rather than thinning at random) keeps the injected size
    what the seed chose even on a small warehouse, where binomial noise would blur it."""
    first = (drop.start - dates[0]).days
    segment = segment_mask(s, dict(drop.where))
    hit = segment & (s.day >= first)
    base = segment & (s.day >= first - 28) & (s.day < first)
    base_rate = float(s.converted[base].mean()) if base.any() else float(s.p_convert[hit].mean())
    wanted = round((1 + drop.target) * base_rate * int(hit.sum()))
    candidates = np.flatnonzero(hit & s.converted)
    failed = rng.choice(candidates, size=max(len(candidates) - wanted, 0), replace=False)
    s.converted[failed] = False
    s.p_convert = np.where(hit, s.p_convert * (1 + drop.target), s.p_convert)
