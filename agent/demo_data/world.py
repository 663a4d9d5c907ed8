"""The demo store's fixed shape: dimension values, traffic mixes and funnel rates.

Values match semantic.yml exactly. Mixes are chosen to look like a mid-size US e-commerce
store: mobile-heavy traffic that converts worse than desktop, email and direct visitors who
convert best, returning visitors converting about twice as well as new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West")
REGION_SHARE = np.array([0.22, 0.23, 0.19, 0.13, 0.23])
# Five states per region, listed by population so one weight vector serves every region.
STATES_BY_REGION: Mapping[str, tuple[str, ...]] = {
    "Northeast": ("NY", "PA", "NJ", "MA", "CT"),
    "Southeast": ("FL", "GA", "NC", "VA", "TN"),
    "Midwest": ("IL", "OH", "MI", "WI", "MN"),
    "Southwest": ("TX", "AZ", "OK", "NV", "NM"),
    "West": ("CA", "WA", "CO", "OR", "UT"),
}
STATES = tuple(s for region in REGIONS for s in STATES_BY_REGION[region])
STATE_SHARE_IN_REGION = np.array([0.36, 0.22, 0.18, 0.14, 0.10])

DEVICES = ("desktop", "mobile", "tablet")
DEVICE_BASE = np.array([0.40, 0.50, 0.10])
# Day-of-week volume factors (Mon..Sun): desktop sags at the weekend, mobile rises.
DEVICE_DOW = np.array(
    [
        [1.10, 1.10, 1.08, 1.08, 1.02, 0.80, 0.82],
        [0.95, 0.95, 0.96, 0.97, 1.00, 1.10, 1.08],
        [0.97, 0.97, 0.97, 0.98, 1.00, 1.06, 1.05],
    ]
)

CHANNELS = ("organic", "paid_search", "email", "social", "direct", "affiliate")
CHANNEL_SHARE = np.array([0.30, 0.22, 0.09, 0.15, 0.16, 0.08])
# Share of sessions by visitors who already ordered, per channel (email reaches customers).
RETURNING_SHARE = np.array([0.28, 0.20, 0.75, 0.15, 0.45, 0.25])

CUSTOMER_TYPES = ("new", "returning")

CATEGORIES = ("electronics", "apparel", "home", "beauty", "sports", "toys")
CATEGORY_SHARE = np.array([0.17, 0.24, 0.18, 0.15, 0.14, 0.12])
# Lognormal price per category: (median USD, sigma).
PRICE_PARAMS = ((120.0, 0.55), (35.0, 0.45), (55.0, 0.5), (22.0, 0.4), (45.0, 0.5), (28.0, 0.4))
EXTRA_QUANTITY = np.array([0.05, 0.30, 0.20, 0.35, 0.20, 0.25])  # quantity = 1 + Poisson(this)
RETURN_PROB = np.array([0.07, 0.20, 0.08, 0.10, 0.09, 0.06])
# Catalogue size per category, chosen so a typical product sells about as many units a day in
# every category: then the legacy forecast's error (WAPE) is comparable across categories and
# an injected bias stands out rather than hiding behind low-volume noise.
PRODUCTS_PER_CATEGORY = (7, 8, 6, 5, 5, 5)
FIRST_LINE_IS_LANDING = 0.6
EXTRA_LINES = 0.55  # lines per order = 1 + Poisson(this)

TOPICS = ("delivery", "refund", "product_quality", "billing", "account", "other")
TOPIC_SHARE = np.array([0.38, 0.16, 0.14, 0.12, 0.10, 0.10])
CHURNER_TOPIC_SHARE = np.array([0.36, 0.22, 0.28, 0.06, 0.03, 0.05])
CONTACT_CHANNELS = ("email", "chat", "phone")
CONTACT_SHARE = np.array([0.45, 0.38, 0.17])
SATISFACTION = np.array([0.05, 0.07, 0.15, 0.33, 0.40])
CHURNER_SATISFACTION = np.array([0.38, 0.30, 0.18, 0.10, 0.04])
RETURN_REASONS = ("damaged", "wrong_size", "not_as_described", "changed_mind", "defective")

# Funnel: P(add to cart) by device x channel x customer type, then checkout, then payment.
ATC_DEVICE = np.array([0.100, 0.072, 0.088])
ATC_CHANNEL = np.array([1.00, 1.10, 1.35, 0.72, 1.15, 0.95])
ATC_TYPE = np.array([0.90, 1.30])
CHECKOUT_DEVICE = np.array([0.55, 0.45, 0.50])
PAY_DEVICE = np.array([0.76, 0.66, 0.70])
PAY_TYPE = np.array([0.95, 1.08])

SESSIONS_PER_DAY = 10_000
SEGMENT_DIMENSIONS = ("region", "device", "channel", "customer_type")
DIMENSION_VALUES: Mapping[str, tuple[str, ...]] = {
    "region": REGIONS,
    "device": DEVICES,
    "channel": CHANNELS,
    "customer_type": CUSTOMER_TYPES,
    "category": CATEGORIES,
    "state": STATES,
}


def device_share() -> np.ndarray:
    """Average share of sessions per device over a week."""
    volume = (DEVICE_BASE[:, None] * DEVICE_DOW).sum(axis=1)
    return volume / volume.sum()


def _joint_share() -> np.ndarray:
    """P(region, device, channel, customer_type) as a 4-d array."""
    channel_type = np.stack([1 - RETURNING_SHARE, RETURNING_SHARE], axis=1) * CHANNEL_SHARE[:, None]
    return np.einsum("r,d,ct->rdct", REGION_SHARE, device_share(), channel_type)


def _conversion_rate() -> np.ndarray:
    """Expected conversion rate per (device, channel, customer_type)."""
    return np.einsum(
        "d,c,t->dct",
        ATC_DEVICE * CHECKOUT_DEVICE * PAY_DEVICE,
        ATC_CHANNEL,
        ATC_TYPE * PAY_TYPE,
    )


def segment_share(where: Mapping[str, str], *, by_conversions: bool = False) -> float:
    """Expected share of sessions (or of conversions) falling in the segment `where`."""
    weights = _joint_share()
    if by_conversions:
        weights = weights * _conversion_rate()[None, :, :, :]
    index: list[Any] = [slice(None)] * 4
    for axis, dim in enumerate(SEGMENT_DIMENSIONS):
        if dim in where:
            index[axis] = DIMENSION_VALUES[dim].index(where[dim])
    return float(weights[tuple(index)].sum() / weights.sum())


def draw_codes(rng: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
    """`n` category codes drawn with probabilities `p` (int8)."""
    return np.searchsorted(np.cumsum(p) / p.sum(), rng.random(n), side="right").astype(np.int8)
