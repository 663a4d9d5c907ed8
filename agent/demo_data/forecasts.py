"""The legacy inventory forecast: daily units per product next to the units actually sold.

The legacy model is an unbiased but noisy seasonal estimate: the expected units given the
day's traffic, funnel and category mix, times lognormal noise with mean 1. Only the injected
forecast_bias scenario makes it biased, for one category from its start date on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from agent.demo_data import calendar, world
from agent.demo_data.orders import Orders, Products
from agent.demo_data.scenarios import Plan
from agent.demo_data.sessions import Sessions

_NOISE_SIGMA = 0.1


@dataclass
class Forecasts:
    forecast: np.ndarray  # (days, products)
    actual: np.ndarray  # (days, products) int


def make_forecasts(
    rng: np.random.Generator,
    s: Sessions,
    o: Orders,
    products: Products,
    dates: list[date],
    bias: Plan | None,
) -> Forecasts:
    """Forecast and actual units for every (day, product)."""
    n_days, n_cat, n_prod = len(dates), len(world.CATEGORIES), len(products)
    expected_orders = np.bincount(
        s.day.astype(np.int64) * n_cat + s.landing, s.p_convert, minlength=n_days * n_cat
    ).reshape(n_days, n_cat)
    mix = calendar.category_mix(dates)
    lines = world.FIRST_LINE_IS_LANDING * expected_orders + mix * expected_orders.sum(
        axis=1, keepdims=True
    ) * (1 - world.FIRST_LINE_IS_LANDING + world.EXTRA_LINES)
    units_by_category = lines * (1 + world.EXTRA_QUANTITY)
    expected = units_by_category[:, products.category] * products.popularity
    noise = np.exp(_NOISE_SIGMA * rng.standard_normal(expected.shape) - _NOISE_SIGMA**2 / 2)
    forecast = expected * noise
    if bias is not None:
        first = (bias.start - dates[0]).days
        column = products.category == world.CATEGORIES.index(bias.where["category"])
        forecast[first:, column] *= 1 + bias.target
    line_day = s.day[o.session][o.line_order].astype(np.int64)
    actual = np.bincount(line_day * n_prod + o.product, o.quantity, minlength=n_days * n_prod)
    return Forecasts(
        forecast=np.round(forecast, 2), actual=actual.reshape(n_days, n_prod).astype(np.int64)
    )
