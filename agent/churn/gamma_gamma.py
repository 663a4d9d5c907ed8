"""Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"): what a
customer is expected to spend per order.

Each order of a customer is worth z ~ Gamma(p, ν), with the customer's own scale
ν ~ Gamma(q, γ) across customers; how often someone buys is assumed independent of how much
they spend (the BG/NBD gives the "how often"). From a customer's x repeat orders averaging m̄,
the expected spend of their next order shrinks m̄ towards the population mean γp/(q − 1):

    E[M | x, m̄] = (γ + m̄x)p / (px + q − 1)          (valid for q > 1)

The three parameters are fitted by maximum likelihood on repeat buyers only (x ≥ 1: a
customer with no repeat order says nothing about the spread of their spend). Written here
with scipy next to agent.churn.bgnbd, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

# Where the search starts (log scale): near retail fits; the likelihood is smooth and has
# one basin in every data set we fitted, so the start only saves iterations.
_START = np.log([2.0, 3.0, 20.0])


@dataclass(frozen=True, kw_only=True)
class GammaGamma:
    """Fitted parameters (money in the unit of the data it was fitted on)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    @property
    def population_mean(self) -> float:
        """The mean spend per order across customers, γp/(q − 1); infinite for q ≤ 1."""
        return self.gamma * self.p / (self.q - 1) if self.q > 1 else float("inf")

    def expected_spend(self, x: np.ndarray, mean_spend: np.ndarray) -> np.ndarray:
        """E[M | x, m̄]: the expected value of a customer's next order. A customer with no
        repeat order (x = 0) gets the population mean; NaN when q ≤ 1 (no finite mean)."""
        x = np.asarray(x, dtype=float)
        m = np.nan_to_num(np.asarray(mean_spend, dtype=float), nan=0.0)
        if self.q <= 1:
            return np.full(np.broadcast(x, m).shape, np.nan)
        return (self.gamma + m * x) * self.p / (self.p * x + self.q - 1)


def log_likelihood(params: np.ndarray, x: np.ndarray, mean_spend: np.ndarray) -> float:
    """The Gamma-Gamma log-likelihood of (x, m̄) summed over customers: the density of m̄
    when x orders of Gamma(p, ν) spend are averaged and ν is integrated out."""
    p, q, gamma = params
    px = p * x
    terms = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(mean_spend)
        + px * np.log(x)
        - (px + q) * np.log(gamma + mean_spend * x)
    )
    return float(np.sum(terms))


def fit(x: np.ndarray, mean_spend: np.ndarray) -> GammaGamma:
    """Maximum-likelihood p, q, γ from repeat buyers' order counts and average order values;
    rows with x < 1 or a spend that is not positive are left out."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(mean_spend, dtype=float)
    keep = (x >= 1) & np.isfinite(m) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < 3:
        raise ValueError("Gamma-Gamma needs at least three repeat buyers with a spend")

    def loss(theta: np.ndarray) -> float:
        value = -log_likelihood(np.exp(theta), x, m) / len(x)
        return value if np.isfinite(value) else 1e10

    # Bounded in log space like the BG/NBD fit: every term stays finite.
    best = minimize(loss, _START, method="L-BFGS-B", bounds=[(-10.0, 10.0)] * 3)
    p, q, gamma = np.exp(best.x)
    return GammaGamma(
        p=float(p),
        q=float(q),
        gamma=float(gamma),
        log_likelihood=-float(best.fun) * len(x),
        customers=len(x),
    )
