"""Gamma-Gamma written here with scipy: it recovers known parameters from its own generative
model, its conditional expectation is the published formula, and it reproduces the
published CDNOW fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agent.churn import bgnbd
from agent.churn.agent import CustomerChurnAgent
from agent.churn.gamma_gamma import GammaGamma, fit, log_likelihood
from bench.churn_real import shared_data

TRUE = {"p": 6.0, "q": 4.0, "gamma": 15.0}
# Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", on the 946 repeat buyers
# of the CDNOW sample's 39 calibration weeks; the same values and log-likelihood are the
# reference in CLVTools' correctness test (tests/testthat/test_correctness_gg.R).
PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}
PUBLISHED_LL = -4055.9177


def _simulate(seed: int, customers: int) -> tuple[np.ndarray, np.ndarray]:
    """Repeat buyers drawn from the model: ν ~ Gamma(q, rate γ), each order ~ Gamma(p, rate ν)."""
    rng = np.random.default_rng(seed)
    x = 1 + rng.poisson(2.0, customers)
    nu = rng.gamma(TRUE["q"], 1.0 / TRUE["gamma"], customers)
    # The sum of x orders of Gamma(p, ν) is Gamma(px, ν): its mean is m̄.
    total = rng.gamma(TRUE["p"] * x, 1.0 / nu)
    return x.astype(float), total / x


def _standard_errors(model: GammaGamma, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Asymptotic standard errors of (p, q, γ): the inverse of the observed information (a
    central-difference Hessian of the negative log-likelihood at the fit)."""
    theta = np.array([model.p, model.q, model.gamma])
    step = 1e-4 * theta

    def nll(t: np.ndarray) -> float:
        return -log_likelihood(t, x, m)

    hessian = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            ei, ej = np.eye(3)[i] * step[i], np.eye(3)[j] * step[j]
            hessian[i, j] = (
                nll(theta + ei + ej) - nll(theta + ei - ej) - nll(theta - ei + ej)
                + nll(theta - ei - ej)
            ) / (4 * step[i] * step[j])  # fmt: skip
    return np.sqrt(np.diag(np.linalg.inv(hessian)))


def test_the_fit_recovers_the_parameters_it_was_drawn_from() -> None:
    x, m = _simulate(seed=11, customers=20_000)
    model = fit(x, m)
    errors = _standard_errors(model, x, m)
    # Maximum likelihood is asymptotically normal: the estimate lies within 4 standard
    # errors of the truth except about once in 16,000 draws per parameter. The errors
    # themselves must be small (under 10% of the value) or the check would say nothing.
    for (name, truth), se in zip(TRUE.items(), errors, strict=True):
        assert abs(getattr(model, name) - truth) < 4 * se, name
        assert se < 0.1 * truth, name
    assert model.customers == len(x)


def test_one_time_buyers_and_empty_spend_are_left_out_of_the_fit() -> None:
    x, m = _simulate(seed=3, customers=2_000)
    noisy_x = np.concatenate([x, [0.0, 0.0, 2.0]])
    noisy_m = np.concatenate([m, [50.0, 80.0, 0.0]])
    assert fit(noisy_x, noisy_m) == fit(x, m)


def test_the_conditional_expectation_is_the_published_formula() -> None:
    model = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, customers=0)
    spend = model.expected_spend(np.array([2.0, 0.0, 20.0]), np.array([30.0, np.nan, 30.0]))
    # (γ + m̄x)p / (px + q − 1) by hand: (15.44 + 60)·6.25 / (12.5 + 2.74) = 471.5 / 15.24;
    # no repeat order: the population mean γp/(q − 1) = 96.5 / 2.74.
    assert spend[0] == pytest.approx(471.5 / 15.24)
    assert spend[1] == pytest.approx(96.5 / 2.74) == pytest.approx(model.population_mean)
    # The more orders, the closer to the customer's own average (30) than to the mean (35.2).
    assert 30.0 < spend[2] < spend[0] < spend[1]
    no_mean = GammaGamma(p=1.0, q=0.9, gamma=5.0, log_likelihood=0.0, customers=0)
    assert np.isnan(no_mean.expected_spend(np.array([1.0]), np.array([10.0]))).all()


def test_fit_reproduces_the_published_cdnow_parameters() -> None:
    path = shared_data() / "cdnow" / "CDNOW_sample.txt.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found (../shared/data is not part of the repo)")
    orders = pd.read_csv(
        path, sep=r"\s+", header=None, names=["master", "customer", "date", "cds", "dollars"]
    )
    orders["date"] = pd.to_datetime(orders["date"].astype(str))
    # The 39 calibration weeks; orders on the same day are one transaction.
    calibration = orders[orders["date"] < pd.Timestamp("1997-10-01")]
    daily = calibration.groupby(["customer", "date"], as_index=False)["dollars"].sum()
    daily = daily.sort_values(["customer", "date"])
    repeats = daily[daily.groupby("customer").cumcount() > 0]
    per = repeats.groupby("customer")["dollars"].agg(["count", "mean"])
    assert len(per) == 946
    model = fit(per["count"].to_numpy(), per["mean"].to_numpy())
    for name, value in PUBLISHED.items():
        assert getattr(model, name) == pytest.approx(value, abs=0.01), name
    assert model.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.01)


def test_customer_value_is_expected_spend_over_a_year_capped_by_revenue(
    churn_agent: CustomerChurnAgent,
) -> None:
    frame = churn_agent.scores().frame
    seen = frame[frame["orders_total"] > 0]
    assert seen["value_modelled"].all()
    # Never more than the revenue it is drawn from, for every customer and in total.
    assert (seen["customer_value"] <= seen["revenue_total"] + 1e-9).all()
    assert (frame["value_at_risk"].fillna(0) <= frame["revenue_total"] + 1e-9).all()
    overview = churn_agent.overview()
    assert overview.value_at_risk <= overview.flagged_revenue
    assert "expected orders × expected order value" in " ".join(overview.sentences())
    # One customer by hand from the two published formulas: the window starts the clock
    # for a customer whose first order predates it, and every order in it is a repeat.
    start = pd.Timestamp(churn_agent.today - pd.Timedelta(days=churn_agent.model.history_days))
    cut = pd.Timestamp(churn_agent.today)
    born = pd.to_datetime(seen["first_seen"]).where(~seen["prior_order"].astype(bool), start)
    x = (seen["orders_total"] - np.where(seen["prior_order"], 0.0, 1.0)).to_numpy(float)
    t_x = ((pd.to_datetime(seen["last_order"]) - born).dt.days / 7).to_numpy(float)
    big_t = ((cut - born).dt.days / 7).to_numpy(float)
    purchases = bgnbd.fit(x, t_x, big_t)
    spend = fit(x, seen["aov"].to_numpy(float))
    i = int(np.argmax((x >= 2) & (seen["revenue_total"].to_numpy() > 500)))
    assert x[i] >= 2
    by_hand = min(
        float(purchases.expected_purchases(365 / 7, x[i : i + 1], t_x[i : i + 1], big_t[i : i + 1])[0])
        * (spend.gamma + seen["aov"].iloc[i] * x[i]) * spend.p / (spend.p * x[i] + spend.q - 1),
        float(seen["revenue_total"].iloc[i]),
    )  # fmt: skip
    assert seen["customer_value"].iloc[i] == pytest.approx(by_hand, rel=1e-9)
    assert by_hand < seen["revenue_total"].iloc[i]  # the models decided, not the cap
