"""Customers, their purchase rhythm and churn, and who is behind each identified session.

Buyers have a gamma-distributed purchase propensity (some buy often, most rarely), a boost
right after their first order, and for future churners an exponential decay from their churn
day. Returning sessions are handed out day by day to the region's eligible buyers (first order
strictly before that day) in proportion to their current propensity, so customer_type always
agrees with the order history and decaying customers visit and buy less.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from agent.demo_data import world
from agent.demo_data.scenarios import Plan
from agent.demo_data.sessions import Sessions

NO_ORDER = np.iinfo(np.int32).max
_ACQUISITION_SHARE = np.array([0.32, 0.22, 0.04, 0.16, 0.17, 0.09])
_BACKGROUND_CHURN_SHARE = 0.12
_BACKGROUND_TAU = 40.0
_COHORT_TENURE_DAYS = 28  # cohort members ordered first at least this long before churn
_SIGNED_IN_NEW_SHARE = 0.15  # non-buying 'new' sessions by visitors with an account
_EMAIL_OPT_OUT_SHARE = 0.03  # customers who unsubscribed from marketing email
# Fake addresses on reserved domains only (RFC 2606 / 6761): nothing here can reach a person.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.test")
FIRST_NAMES = (
    "alex", "amira", "ana", "ben", "carlos", "chen", "dana", "david", "elena", "emma",
    "fatima", "grace", "hana", "ivan", "jamal", "james", "jordan", "julia", "kai", "laura",
    "leo", "lucia", "maria", "mei", "michael", "nadia", "noah", "olivia", "omar", "priya",
    "rachel", "ravi", "sam", "sara", "sofia", "tom", "uma", "victor", "yusuf", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "adams", "ahmed", "baker", "brown", "chen", "clark", "cohen", "diaz", "evans", "garcia",
    "green", "hall", "hughes", "ito", "jones", "khan", "kim", "lee", "lopez", "martin",
    "miller", "morris", "nguyen", "novak", "patel", "reed", "rossi", "santos", "shah", "smith",
    "taylor", "turner", "walker", "wang", "white", "wilson", "wright", "young", "zhang", "ali",
)  # fmt: skip


@dataclass
class Customers:
    """Columns of the customers table plus the hidden behaviour behind them."""

    signup_day: np.ndarray  # day index relative to the first covered date (negative = before)
    first_order_day: np.ndarray  # NO_ORDER for accounts that never ordered
    region: np.ndarray
    state: np.ndarray
    acquisition: np.ndarray
    weight: np.ndarray
    churn_day: np.ndarray  # float, inf for customers who keep buying
    tau: np.ndarray
    cohort: np.ndarray  # bool: the recorded churn cohort
    number: np.ndarray  # the N in customer_id 'C%06d', in signup order
    # Contact details (the email is first.last<N>@domain): name and domain codes, opt-out.
    first_name: np.ndarray
    last_name: np.ndarray
    email_domain: np.ndarray
    email_opt_out: np.ndarray

    def __len__(self) -> int:
        return len(self.signup_day)


def _cat(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts)


def build_customers(
    rng: np.random.Generator,
    s: Sessions,
    dates: list[date],
    scale: float,
    churn: Plan | None,
) -> Customers:
    """Create every customer and set `s.customer` (and the customer's state) on sessions."""
    n_days = len(dates)
    n_pre = max(round(60_000 * scale), 500)
    pre_region = world.draw_codes(rng, n_pre, world.REGION_SHARE)
    pre_signup = -rng.integers(1, 1100, n_pre).astype(np.int32)
    pre_first = np.minimum(pre_signup + rng.exponential(20, n_pre).astype(np.int32), -1)

    new_idx = np.flatnonzero(s.converted & (s.ctype == 0))
    n_new = len(new_idx)
    new_day = s.day[new_idx]
    lead = np.where(rng.random(n_new) < 0.7, 0, rng.exponential(30, n_new).astype(np.int32))

    n_never = max(round(scale * (12_000 + 60 * n_days)), 100)
    never_region = world.draw_codes(rng, n_never, world.REGION_SHARE)
    never_signup = rng.integers(-1100, n_days, n_never).astype(np.int32)

    region = _cat(pre_region, s.region[new_idx], never_region).astype(np.int8)
    in_region = world.draw_codes(rng, len(region), world.STATE_SHARE_IN_REGION)
    state = (region * 5 + in_region).astype(np.int8)
    state[n_pre : n_pre + n_new] = s.state[new_idx]
    c = Customers(
        signup_day=_cat(pre_signup, (new_day - lead).astype(np.int32), never_signup),
        first_order_day=_cat(pre_first, new_day, np.full(n_never, NO_ORDER, np.int32)),
        region=region,
        state=state,
        acquisition=_cat(
            world.draw_codes(rng, n_pre, _ACQUISITION_SHARE),
            s.channel[new_idx],
            world.draw_codes(rng, n_never, _ACQUISITION_SHARE),
        ).astype(np.int8),
        weight=rng.gamma(2.0, 0.5, len(region)),
        churn_day=np.full(len(region), np.inf),
        tau=np.full(len(region), np.inf),
        cohort=np.zeros(len(region), dtype=bool),
        number=np.empty(0, dtype=np.int64),
        first_name=np.empty(0, dtype=np.int16),
        last_name=np.empty(0, dtype=np.int16),
        email_domain=np.empty(0, dtype=np.int8),
        email_opt_out=np.empty(0, dtype=bool),
    )
    # Contacts come from a child stream: drawing them never shifts the draws below, so every
    # recorded scenario stays what it was before customers had addresses.
    _add_contacts(rng.spawn(1)[0], c)
    s.customer[new_idx] = n_pre + np.arange(n_new)
    _add_churn(rng, c, n_pre + n_new, n_days, dates, churn)
    _assign_returning(rng, s, c, n_pre + n_new, n_days)
    _assign_signed_in(rng, s, c, n_pre + n_new)
    order = np.lexsort((np.arange(len(c)), c.signup_day))
    c.number = np.empty(len(c), dtype=np.int64)
    c.number[order] = np.arange(1, len(c) + 1)
    known = s.customer >= 0
    s.state[known] = c.state[s.customer[known]]
    return c


def _add_contacts(rng: np.random.Generator, c: Customers) -> None:
    n = len(c)
    c.first_name = rng.integers(0, len(FIRST_NAMES), n).astype(np.int16)
    c.last_name = rng.integers(0, len(LAST_NAMES), n).astype(np.int16)
    c.email_domain = world.draw_codes(rng, n, np.array([0.55, 0.2, 0.15, 0.1])).astype(np.int8)
    c.email_opt_out = rng.random(n) < _EMAIL_OPT_OUT_SHARE


def _add_churn(
    rng: np.random.Generator,
    c: Customers,
    n_buyers: int,
    n_days: int,
    dates: list[date],
    churn: Plan | None,
) -> None:
    first = c.first_order_day[:n_buyers].astype(np.float64)
    background = rng.random(n_buyers) < _BACKGROUND_CHURN_SHARE
    when = rng.uniform(np.maximum(first + 30, -120), n_days + 120)
    c.churn_day[:n_buyers] = np.where(background, when, np.inf)
    c.tau[:n_buyers] = np.where(background, _BACKGROUND_TAU, np.inf)
    if churn is None:
        return
    start = (churn.start - dates[0]).days
    channel = world.CHANNELS.index(churn.where["acquisition_channel"])
    region = world.REGIONS.index(churn.where["region"])
    members = (
        (c.acquisition[:n_buyers] == channel)
        & (c.region[:n_buyers] == region)
        & (first < start - _COHORT_TENURE_DAYS)
    )
    c.cohort[:n_buyers] = members
    c.churn_day[:n_buyers][members] = start
    c.tau[:n_buyers][members] = churn.target


def propensity(c: Customers, rows: np.ndarray, day: int) -> np.ndarray:
    """Purchase propensity of customers `rows` on `day` (0 before their first order)."""
    first = c.first_order_day[rows]
    since_first = day - first.astype(np.float64)
    boost = 1 + 1.5 * np.exp(-np.maximum(since_first, 0) / 30)
    decay = np.exp(-np.maximum(day - c.churn_day[rows], 0) / c.tau[rows])
    return np.where(first < day, c.weight[rows] * boost * decay, 0.0)


def _assign_returning(
    rng: np.random.Generator, s: Sessions, c: Customers, n_buyers: int, n_days: int
) -> None:
    buyers = np.lexsort((c.first_order_day[:n_buyers], c.region[:n_buyers]))
    edges = np.searchsorted(c.region[buyers], np.arange(len(world.REGIONS) + 1))
    day_edges = np.searchsorted(s.day, np.arange(n_days + 1))
    for day in range(n_days):
        lo, hi = day_edges[day], day_edges[day + 1]
        rows = lo + np.flatnonzero(s.ctype[lo:hi] == 1)
        if len(rows) == 0:
            continue
        cum = np.concatenate([[0.0], np.cumsum(propensity(c, buyers, day))])
        start, stop = cum[edges[:-1]], cum[edges[1:]]
        region = s.region[rows]
        target = start[region] + rng.random(len(rows)) * (stop[region] - start[region])
        pick = np.searchsorted(cum, target, side="right") - 1
        pick = np.clip(pick, edges[region], edges[region + 1] - 1)
        s.customer[rows] = buyers[pick]


def _assign_signed_in(rng: np.random.Generator, s: Sessions, c: Customers, n_buyers: int) -> None:
    # Some non-buying 'new' visitors are signed in to an account that never ordered.
    never = n_buyers + np.lexsort((c.signup_day[n_buyers:], c.region[n_buyers:]))
    if len(never) == 0:
        return
    edges = np.searchsorted(c.region[never], np.arange(len(world.REGIONS) + 1))
    rows = np.flatnonzero((s.ctype == 0) & ~s.converted)
    rows = rows[rng.random(len(rows)) < _SIGNED_IN_NEW_SHARE]
    region = s.region[rows]
    signed = np.empty(len(rows), dtype=np.int64)
    for r in range(len(world.REGIONS)):
        here = region == r
        block = c.signup_day[never[edges[r] : edges[r + 1]]]
        signed[here] = np.searchsorted(block, s.day[rows[here]], side="right")
    ok = signed > 0
    offset = (rng.random(len(rows)) * signed).astype(np.int64)
    s.customer[rows[ok]] = never[edges[region[ok]] + offset[ok]]
