"""BG/NBD written here with scipy: the published CDNOW fit, and what P(alive) must do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agent.churn.bgnbd import BGNBD, fit
from bench.churn_real import shared_data

# Fader, Hardie & Lee (2005) on the 2,357-customer CDNOW sample, 39 weeks of calibration.
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def test_fit_reproduces_the_published_cdnow_parameters() -> None:
    path = shared_data() / "cdnow" / "cdnow_customers_summary.csv.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found (../shared/data is not part of the repo)")
    summary = pd.read_csv(path)
    model = fit(summary["frequency"], summary["recency"], summary["T"])
    for name, value in PUBLISHED.items():
        assert getattr(model, name) == pytest.approx(value, rel=0.01), name
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.5)


def test_p_alive_follows_the_customers_own_history() -> None:
    model = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)
    # No repeat purchase: no chance yet to drop out.
    assert model.p_alive(np.array([0.0]), np.array([0.0]), np.array([30.0]))[0] == 1.0
    # The same buyer, last seen longer ago, is less likely to be still buying.
    recent, stale = model.p_alive(np.array([3.0, 3.0]), np.array([28.0, 8.0]), np.array([30.0] * 2))
    assert 0 < stale < recent < 1
    # A frequent buyer's silence says more than an occasional one's.
    frequent, occasional = model.p_alive(
        np.array([10.0, 1.0]), np.array([10.0, 10.0]), np.array([30.0] * 2)
    )
    assert frequent < occasional


def test_fit_recovers_parameters_of_simulated_customers() -> None:
    rng = np.random.default_rng(0)
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.7, "b": 3.0}
    n, big_t = 4000, 52.0
    lam = rng.gamma(truth["r"], 1 / truth["alpha"], n)
    p = rng.beta(truth["a"], truth["b"], n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t:
                break
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:  # drops out after this purchase
                break
    model = fit(x, t_x, np.full(n, big_t))
    # The dropout pair (a, b) is the hardest to pin down from one year of 4,000 customers.
    for name, value in truth.items():
        assert getattr(model, name) == pytest.approx(value, rel=0.35), name
