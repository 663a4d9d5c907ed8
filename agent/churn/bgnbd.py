"""BG/NBD (Fader, Hardie & Lee 2005): how likely a repeat buyer is still buying at all.

Each customer buys at a Poisson rate λ ~ Gamma(r, α) while alive and, after each purchase,
drops out with probability p ~ Beta(a, b). From a customer's repeat purchases `x`, the time
of the last one `t_x` and the time observed `T` (all from their first purchase), the model
gives the probability the customer is still alive and the purchases expected ahead. The four
parameters are fitted by maximum likelihood on the warehouse's own customers (L-BFGS over
log-parameters; rows with the same (x, t_x, T) are counted once with a weight, which on
day-level data shrinks tens of thousands of customers to a few thousand terms).

Written here with scipy rather than taken from `lifetimes`: that library is unmaintained and
its fit fails under pandas 3 on CDNOW ("recency larger than T"). The fit reproduces the
published CDNOW parameters (tests/agent/churn/test_bgnbd.py, when the data is present).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

# Where the search starts (log scale): near typical retail fits, inside every basin we met.
_START = np.log([0.5, 5.0, 0.8, 2.5])


@dataclass(frozen=True, kw_only=True)
class BGNBD:
    """Fitted parameters (time in the unit of the data it was fitted on)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """P(still alive at T | x repeat purchases, the last at t_x). Always 1 for x = 0: a
        customer with no repeat purchase has had no chance to drop out (the model's own
        assumption, which is why one-time buyers are judged by another question)."""
        x, t_x, big_t = _arrays(x, t_x, big_t)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            log_ratio = (self.r + x) * (np.log(self.alpha + big_t) - np.log(self.alpha + t_x))
            odds = np.exp(np.log(self.a) - np.log(np.maximum(self.b + x - 1, 1e-12)) + log_ratio)
        return np.where(x > 0, 1.0 / (1.0 + odds), 1.0)

    def p_no_purchase(
        self, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
    ) -> np.ndarray:
        """P(no purchase in the next `t` time units | alive at T): the purchase rate's
        posterior is Gamma(r + x, α + T), and a customer drops out only after a purchase,
        so one who buys nothing stays alive. Multiply by p_alive and add 1 − p_alive for
        the unconditional chance of a quiet stretch."""
        del t_x  # the posterior of the rate given alive depends on x and T only
        x, big_t = _arrays(x, big_t)
        return np.asarray(((self.alpha + big_t) / (self.alpha + big_t + t)) ** (self.r + x))

    def expected_purchases(
        self, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
    ) -> np.ndarray:
        """Purchases expected in the next `t` time units, given each customer's history."""
        from scipy.special import hyp2f1

        x, t_x, big_t = _arrays(x, t_x, big_t)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + big_t + t)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        first = (
            (a + b + x - 1)
            / (a - 1)
            * (1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp)
        )
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            odds = np.where(
                x > 0,
                a / np.maximum(b + x - 1, 1e-12) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
                0.0,
            )
        return np.asarray(first / (1 + odds), dtype=float)


def log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, weight: np.ndarray
) -> float:
    """The BG/NBD log-likelihood (equation 6 of the paper) summed over weighted rows."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return float(np.sum(weight * (a1 + a2 + np.logaddexp(a3, a4))))


def fit(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> BGNBD:
    """Maximum-likelihood parameters for customers with `x` repeat purchases, the last at
    `t_x`, observed for `T` since their first purchase."""
    x, t_x, big_t = _arrays(x, t_x, big_t)
    if len(x) == 0:
        raise ValueError("BG/NBD needs at least one customer")
    rows = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_counts=True)
    (ux, ut, uT), weight = rows[0].T, rows[1].astype(float)

    def loss(theta: np.ndarray) -> float:
        value = -log_likelihood(np.exp(theta), ux, ut, uT, weight) / weight.sum()
        return value if np.isfinite(value) else 1e10

    # Bounded in log space: exp(±12) keeps every term finite and excludes nothing a real
    # customer base fits to.
    best = minimize(loss, _START, method="L-BFGS-B", bounds=[(-12.0, 12.0)] * 4)
    r, alpha, a, b = np.exp(best.x)
    return BGNBD(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=-float(best.fun) * float(weight.sum()),
    )


def _arrays(*columns: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(c, dtype=float) for c in columns)
