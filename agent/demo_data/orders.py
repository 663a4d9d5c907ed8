"""Products, orders, order lines and returns derived from converted sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from agent.demo_data import calendar, world
from agent.demo_data.scenarios import Plan
from agent.demo_data.sessions import Sessions, segment_mask

_NOUNS = (
    ("Earbuds", "Charger", "Speaker", "Smartwatch", "Headphones", "Tablet Stand", "Webcam"),
    ("T-Shirt", "Hoodie", "Jeans", "Jacket", "Sneakers", "Dress", "Scarf"),
    ("Mug Set", "Throw Blanket", "Lamp", "Cookware Set", "Towel Set", "Vase", "Pillow"),
    ("Serum", "Moisturizer", "Lipstick", "Shampoo", "Face Mask", "Perfume", "Sunscreen"),
    ("Yoga Mat", "Dumbbells", "Water Bottle", "Running Shorts", "Tent", "Bike Light", "Ball"),
    ("Puzzle", "Building Set", "Plush Bear", "Board Game", "RC Car", "Doll", "Kite"),
)
_ADJECTIVES = ("Classic", "Pro", "Eco", "Deluxe", "Essential", "Urban", "Nova", "Prime")
_REASON_SHARE = np.array(
    [
        [0.25, 0.00, 0.20, 0.20, 0.35],
        [0.05, 0.55, 0.15, 0.22, 0.03],
        [0.35, 0.00, 0.25, 0.25, 0.15],
        [0.15, 0.00, 0.30, 0.45, 0.10],
        [0.20, 0.20, 0.20, 0.25, 0.15],
        [0.30, 0.00, 0.20, 0.30, 0.20],
    ]
)


@dataclass
class Products:
    category: np.ndarray
    name: list[str]
    price: np.ndarray
    cost: np.ndarray
    popularity: np.ndarray  # share of its category's lines

    def __len__(self) -> int:
        return len(self.category)


@dataclass
class Orders:
    """Orders (one per converted session) and their lines; lines point at `line_order`."""

    session: np.ndarray
    second: np.ndarray
    discount_rate: np.ndarray
    line_order: np.ndarray
    line_no: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    revenue: np.ndarray  # per line, net of discount
    counterfactual_revenue: np.ndarray  # per line, before any injected anomaly
    returned_quantity: np.ndarray
    return_day: np.ndarray  # -1 when not returned
    refund: np.ndarray
    reason: np.ndarray


def make_products(rng: np.random.Generator) -> Products:
    """A small catalogue per category with lognormal prices."""
    sizes = world.PRODUCTS_PER_CATEGORY
    category = np.repeat(np.arange(len(world.CATEGORIES), dtype=np.int8), sizes)
    median = np.array([world.PRICE_PARAMS[c][0] for c in category])
    sigma = np.array([world.PRICE_PARAMS[c][1] for c in category])
    price = np.maximum(np.round(median * np.exp(sigma * rng.standard_normal(len(category)))), 3)
    price = price - 0.01
    cost = np.round(price * rng.uniform(0.4, 0.7, len(category)), 2)
    popularity = rng.gamma(6.0, 1.0, len(category))
    popularity /= np.bincount(category, popularity)[category]
    names = []
    for i, c in enumerate(category):
        rank = i - int(np.searchsorted(category, c))
        noun = _NOUNS[c][rank % len(_NOUNS[c])]
        names.append(f"{_ADJECTIVES[int(rng.integers(len(_ADJECTIVES)))]} {noun} {rank + 1}")
    return Products(category=category, name=names, price=price, cost=cost, popularity=popularity)


def make_orders(
    rng: np.random.Generator,
    s: Sessions,
    products: Products,
    dates: list[date],
    anomaly: Plan | None,
) -> Orders:
    """Build orders and their lines; inject the one-day revenue anomaly if planned."""
    conv = np.flatnonzero(s.converted)
    n = len(conv)
    second = np.minimum(s.second[conv] + rng.integers(120, 1500, n), 86_399)
    day = s.day[conv]
    deal = np.array([calendar.is_deal_day(d) for d in dates])[day]
    season = np.array([calendar.in_holiday_season(d) for d in dates])[day]
    rate_choice = np.array([0.0, 0.1, 0.15, 0.2, 0.3])
    normal = world.draw_codes(rng, n, np.array([0.74, 0.12, 0.08, 0.06, 0.0]))
    holiday = world.draw_codes(rng, n, np.array([0.45, 0.15, 0.15, 0.15, 0.10]))
    deals = world.draw_codes(rng, n, np.array([0.20, 0.10, 0.15, 0.25, 0.30]))
    discount_rate = rate_choice[np.where(deal, deals, np.where(season, holiday, normal))]

    lines = 1 + rng.poisson(world.EXTRA_LINES, n)
    line_order = np.repeat(np.arange(n), lines)
    starts = np.cumsum(lines) - lines
    line_no = np.arange(len(line_order)) - starts[line_order] + 1
    line_day = day[line_order]
    mix_cdf = np.cumsum(calendar.category_mix(dates), axis=1)
    u = rng.random(len(line_order))
    category = np.zeros(len(line_order), dtype=np.int8)
    for c in range(len(world.CATEGORIES) - 1):
        category += (u >= mix_cdf[line_day, c]).astype(np.int8)
    from_landing = (line_no == 1) & (rng.random(len(line_order)) < world.FIRST_LINE_IS_LANDING)
    category = np.where(from_landing, s.landing[conv][line_order], category).astype(np.int8)

    pick = np.empty(len(line_order), dtype=np.int64)
    u = rng.random(len(line_order))
    for c in range(len(world.CATEGORIES)):
        here = category == c
        members = np.flatnonzero(products.category == c)
        cdf = np.cumsum(products.popularity[members])
        pick[here] = members[np.minimum(np.searchsorted(cdf, u[here]), len(members) - 1)]
    quantity = 1 + rng.poisson(world.EXTRA_QUANTITY[category])
    unit_price = products.price[pick]
    line_rate = discount_rate[line_order]
    revenue = np.round(quantity * unit_price * (1 - line_rate), 2)
    counterfactual = revenue.copy()

    if anomaly is not None:
        hit_order = segment_mask(s, dict(anomaly.where))[conv]
        quantity, revenue = _inject_anomaly(
            rng,
            hit_order,
            day,
            line_order,
            quantity,
            unit_price,
            line_rate,
            revenue,
            dates,
            anomaly,
        )

    o = Orders(
        session=conv,
        second=second,
        discount_rate=discount_rate,
        line_order=line_order,
        line_no=line_no,
        product=pick,
        quantity=quantity,
        unit_price=unit_price,
        revenue=revenue,
        counterfactual_revenue=counterfactual,
        returned_quantity=np.zeros(len(line_order), dtype=np.int64),
        return_day=np.full(len(line_order), -1, dtype=np.int64),
        refund=np.zeros(len(line_order)),
        reason=np.zeros(len(line_order), dtype=np.int8),
    )
    _add_returns(rng, o, category, line_day, len(dates))
    return o


def _inject_anomaly(
    rng: np.random.Generator,
    segment: np.ndarray,
    day: np.ndarray,
    line_order: np.ndarray,
    quantity: np.ndarray,
    unit_price: np.ndarray,
    line_rate: np.ndarray,
    revenue: np.ndarray,
    dates: list[date],
    anomaly: Plan,
) -> tuple[np.ndarray, np.ndarray]:
    """Scale the segment's revenue on the anomaly day so that its share of revenue, relative
    to the same weekdays before, moves by the planned amount (see measure.revenue_anomaly).

    A spike is bulk buying (more units at list price); a dip is a coupon that stacks by
    mistake (the same baskets sold far below price)."""
    first = (anomaly.start - dates[0]).days
    order_revenue = np.bincount(line_order, revenue, minlength=len(day))
    base_days = np.isin(day, [first - 7 * k for k in range(1, 5)])

    def ratio(days: np.ndarray) -> float:
        rest = order_revenue[days & ~segment].sum()
        return float(order_revenue[days & segment].sum() / rest) if rest else 0.0

    on_day, base = day == first, ratio(base_days)
    natural = ratio(on_day)
    factor = (1 + anomaly.target) * base / natural if natural and base else 1 + anomaly.target
    hit = (segment & on_day)[line_order]
    if anomaly.target > 0:
        # Whole extra units in proportion to each line's quantity, rounded at random, so
        # the added revenue is what the factor asks for in expectation with little noise.
        wanted = quantity * max(factor - 1, 0.2)
        extra = np.floor(wanted) + (rng.random(len(wanted)) < wanted % 1)
        quantity = np.where(hit, quantity + extra.astype(quantity.dtype), quantity)
        revenue = np.where(hit, np.round(quantity * unit_price * (1 - line_rate), 2), revenue)
    else:
        revenue = np.where(hit, np.round(revenue * min(factor, 0.9), 2), revenue)
    return quantity, revenue


def _add_returns(
    rng: np.random.Generator, o: Orders, category: np.ndarray, day: np.ndarray, n_days: int
) -> None:
    n = len(o.line_order)
    returned = rng.random(n) < world.RETURN_PROB[category]
    qty = 1 + rng.binomial(np.maximum(o.quantity - 1, 0), 0.5)
    when = day + 3 + rng.poisson(9, n)
    # Only returns that have arrived by today exist in the data.
    returned &= when < n_days
    o.returned_quantity = np.where(returned, qty, 0)
    o.return_day = np.where(returned, when, -1)
    o.refund = np.where(returned, np.round(qty * o.revenue / o.quantity, 2), 0.0)
    u = rng.random(n)
    cdf = np.cumsum(_REASON_SHARE, axis=1)[category]
    o.reason = (u[:, None] >= cdf[:, :-1]).sum(axis=1).astype(np.int8)
