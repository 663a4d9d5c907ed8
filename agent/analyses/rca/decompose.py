"""Segment arithmetic: additive changes, and the rate/mix split of a ratio metric's change.

Ratio identity (R = N / D overall, w = d / D a segment's share of the denominator, r = n / d
its own rate, bars are the mean of the two periods, Δ is current − baseline):

    contribution = w_cur·r_cur − w_base·r_base − Δw·R_base
                 = w̄·Δr                  (rate effect: the segment's own rate moved)
                 + Δw·(r̄ − R_base)       (mix effect: its weight moved, and it sits
                                           above or below the overall baseline rate)

Over any partition of the data, Σ Δw = 0, so the contributions sum to R_cur − R_base
exactly; the extra −Δw·R_base term only makes the mix effect of one segment meaningful
(moving weight toward a below-average segment is negative).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class RatioParts:
    rate_base: float
    rate_cur: float
    rate_effect: float
    mix_effect: float

    @property
    def contribution(self) -> float:
        return self.rate_effect + self.mix_effect


def ratio_parts(
    n_base: float, d_base: float, n_cur: float, d_cur: float, *, totals: tuple[float, ...]
) -> RatioParts:
    """Rate and mix effect of one segment; `totals` = (N_base, D_base, N_cur, D_cur)."""
    tn_b, td_b, _tn_c, td_c = totals
    big_r_base = tn_b / td_b if td_b else 0.0
    w_b = d_base / td_b if td_b else 0.0
    w_c = d_cur / td_c if td_c else 0.0
    r_b = n_base / d_base if d_base else None
    r_c = n_cur / d_cur if d_cur else None
    # A segment absent in one period has no rate there: all its effect is mix.
    if r_b is None:
        r_b = r_c if r_c is not None else 0.0
    if r_c is None:
        r_c = r_b
    rate = (w_b + w_c) / 2 * (r_c - r_b)
    mix = (w_c - w_b) * ((r_b + r_c) / 2 - big_r_base)
    return RatioParts(rate_base=r_b, rate_cur=r_c, rate_effect=rate, mix_effect=mix)
