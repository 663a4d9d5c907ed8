"""Anomalies in daily KPI series: robust to weekly seasonality, holidays and sustained shifts.

The expectation for a checked day comes from history only: with `since`, every day from
`since` on is judged against the days before `since` (a run of bad days cannot pull its own
expectation towards it); without it, each day against the days before it. The model is a
weekday profile on a robust recent level, holidays left out of the fit. The noise model follows
what the number is:

- a ratio given as numerator/denominator: variance c / denominator, c estimated from history
  (binomial p(1-p) plus any extra spread the history shows, or an order-value variance for a
  mean such as AOV), so a small segment's noisy rate is not mistaken for a change;
- a count (orders, tickets): Poisson with the over-dispersion seen in history, exact tails for
  small counts;
- a segment's additive value with the rest of the total (`reference`): its log share against
  the rest, so store-wide moves (a holiday surge, the December season) cancel out; a count
  (tickets by topic) is then judged as a quasi-Poisson count around that expectation;
- any other positive series: log space, the spread measured on history (tails included).

`runs.py` turns the per-day scores into anomalies, merging a sustained shift into one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from agent.analyses.anomaly.calendar import is_core_holiday, us_retail_holidays
from agent.analyses.stats import lower_tail_z, robust_scale

LOOKBACK_DAYS = 56
LEVEL_DAYS = 21
MIN_HISTORY = 21
# The expectation and the spread are estimated from a few weeks of history; out-of-sample
# z-scores on the demo's quiet warehouses had a standard deviation of about 1.1.
CALIBRATION = 1.1
# Without last year's same holiday, a holiday is only reported beyond a tripling or a
# halving of the normal expectation (a +-50% band on a segment's share of the total).
HOLIDAY_TOLERANCE_LOG = math.log(3.0)
HOLIDAY_TOLERANCE_SHARE = math.log(1.5)
HOLIDAY_TOLERANCE_LINEAR = 0.5
_MEDIAN_CHI2_1 = 0.4549


@dataclass(frozen=True, kw_only=True)
class DayCheck:
    """One day's verdict: what was expected and how surprising the actual value is."""

    day: date
    actual: float
    expected: float
    z: float
    holiday: str | None


def _as_daily(series: pd.Series) -> pd.Series:
    s = series.astype(float)
    s.index = pd.DatetimeIndex(pd.to_datetime(s.index)).normalize()
    if not s.index.is_unique:
        s = s.groupby(level=0).sum(min_count=1)
    elif not s.index.is_monotonic_increasing:
        s = s.sort_index()
    full = pd.date_range(s.index.min(), s.index.max(), freq="D")
    return s.reindex(full)


@dataclass(frozen=True)
class _Fit:
    profile: np.ndarray  # weekday effect, mean zero
    level: float
    resid: np.ndarray  # history residuals
    hist: np.ndarray  # history indices


def _fit(work: np.ndarray, weekdays: np.ndarray, hist: np.ndarray) -> _Fit:
    """A weekday profile around a rolling median, and the level of the most recent weeks."""
    values = work[hist]
    rolling = pd.Series(values).rolling(7, min_periods=4, center=True).median().to_numpy()
    wd = weekdays[hist]
    profile = np.zeros(7)
    for day in range(7):
        sel = (wd == day) & np.isfinite(rolling)
        if sel.any():
            profile[day] = float(np.median(values[sel] - rolling[sel]))
    profile -= profile.mean()
    deseason = values - profile[wd]
    level = float(np.median(deseason[-LEVEL_DAYS:]))
    # Residuals around the rolling level, so a slow trend does not read as noise.
    centre = np.where(np.isfinite(rolling), rolling, level)
    resid = values - centre - profile[wd]
    # The rolling median carries the weekday profile's own offset: centre the residuals.
    resid = resid - float(np.median(resid))
    return _Fit(profile=profile, level=level, resid=resid, hist=hist)


def _robust_sd(resid: np.ndarray) -> float:
    """A spread that sees heavy tails: the larger of the MAD and the 90% quantile estimate."""
    centred = resid - np.median(resid)
    mad = robust_scale(centred, center=0.0)
    q90 = float(np.quantile(np.abs(centred), 0.9)) / 1.645
    return max(mad, q90)


def _poisson_z(y: float, mu: float, dispersion: float) -> float:
    """Signed z of a count against a quasi-Poisson mean (mid-p exact tail for small counts)."""
    mu_s, y_s = max(mu, 1e-6) / dispersion, max(y, 0.0) / dispersion
    if mu_s > 60:
        return (y_s - mu_s) / math.sqrt(mu_s)
    ks = np.arange(0, int(max(y_s, mu_s) * 3 + 40))
    pmf = np.exp(ks * math.log(mu_s) - mu_s - np.array([math.lgamma(k + 1.0) for k in ks]))
    k = round(y_s)
    if y_s >= mu_s:
        p = float(pmf[k + 1 :].sum()) + 0.5 * float(pmf[k])
        return -lower_tail_z(min(max(p, 1e-300), 0.5))
    p = float(pmf[:k].sum()) + 0.5 * float(pmf[k])
    return lower_tail_z(min(max(p, 1e-300), 0.5))


def daily_checks(
    series: pd.Series,
    *,
    numerator: pd.Series | None = None,
    denominator: pd.Series | None = None,
    reference: pd.Series | None = None,
    holidays: Mapping[date, str] | None = None,
    since: date | None = None,
    scale_to: pd.Series | None = None,
    binomial: bool = True,
) -> list[DayCheck]:
    """Expected value and z-score for every day with enough history (from `since`).

    `reference` (the rest of the total, for a segment of an additive metric) switches to the
    share model; `numerator`/`denominator` to the count-aware ratio model. A count given the
    rest of its total is a binomial share unless `binomial` is off: a reference that is an
    index of the store-wide level (segments.py), not a count, keeps the log-share model.
    """
    counts: np.ndarray | None = None
    ref: np.ndarray | None = None
    if numerator is not None and denominator is not None:
        num, den = _as_daily(numerator), _as_daily(denominator)
        index = num.index.union(den.index)
        num, den = num.reindex(index), den.reindex(index)
        values = (num / den.where(den > 0)).to_numpy()
        counts = den.to_numpy()
        bounded = bool(np.nanmax(num.to_numpy() - den.to_numpy(), initial=-1) <= 0)
    else:
        s = _as_daily(series)
        index, values = s.index, s.fillna(0.0).to_numpy()
        if reference is not None:
            r = _as_daily(reference).reindex(index).fillna(0.0)
            if binomial and _integer_valued(values) and _integer_valued(r.to_numpy()):
                # A count segment given the day's total is a binomial share: exact at any size.
                seg = pd.Series(values, index=index)
                return daily_checks(
                    seg,
                    numerator=seg,
                    denominator=seg + r,
                    holidays=holidays,
                    since=since,
                    scale_to=r,
                )
            ref = r.to_numpy()
    if len(index) == 0:
        return []
    dates = [ts.date() for ts in index]
    cal = (
        holidays
        if holidays is not None
        else us_retail_holidays(range(dates[0].year, dates[-1].year + 1))
    )
    finite = values[np.isfinite(values)]
    is_count = counts is None and _integer_valued(finite)
    offset = 0.0
    if ref is not None:
        mode = "share"
        # A small count can be zero on an ordinary day: +0.5 keeps that day (and a drop to
        # nothing) in the model instead of dropping it as log(0).
        offset = 0.5 if _integer_valued(finite) else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            work = np.where(
                (values + offset > 0) & (ref > 0), np.log(values + offset) - np.log(ref), np.nan
            )
    elif counts is not None:
        mode, work = "ratio", values
    elif is_count:
        mode, work = "count", np.log(values + 0.5)
    elif len(finite) and np.all(finite > 0):
        mode, work = "log", np.log(np.where(values > 0, values, np.nan))
    else:
        mode, work = "linear", values
    # Rates and shares are untouched by store-wide traffic surges: only core holidays count.
    shared = mode in ("share", "ratio")
    is_holiday = np.array([d in cal and (not shared or is_core_holiday(cal[d])) for d in dates])
    usable = np.isfinite(work) & ~is_holiday
    weekdays = np.array([d.weekday() for d in dates])
    cutoff_of_since = (since - dates[0]).days if since is not None else None
    fits: dict[int, _Fit | None] = {}

    def fit_before(cut: int) -> _Fit | None:
        if cut not in fits:
            lo = max(0, cut - LOOKBACK_DAYS)
            hist = np.flatnonzero(usable[lo:cut]) + lo
            fits[cut] = _fit(work, weekdays, hist) if len(hist) >= MIN_HISTORY else None
        return fits[cut]

    def judge(k: int) -> tuple[float, float, float] | None:
        """(expected value, z, working-space gap) for day k."""
        cut = k if cutoff_of_since is None else min(k, max(cutoff_of_since, 0))
        fit = fit_before(cut)
        if fit is None or not math.isfinite(values[k]):
            return None
        pred = fit.level + fit.profile[weekdays[k]]
        if mode == "ratio":
            assert counts is not None
            recent = fit.hist[-LEVEL_DAYS:]
            # The pooled rate: a median of small-count daily rates is biased low.
            pooled = float(np.nansum(values[recent] * counts[recent]) / np.nansum(counts[recent]))
            pred = pooled + fit.profile[weekdays[k]] - float(np.mean(fit.profile[weekdays[recent]]))
            n_hist = np.maximum(counts[fit.hist], 1)
            scaled = np.abs(fit.resid) * np.sqrt(n_hist)
            # The 90% quantile sees the heavy tails of a mean of order values (AOV).
            c = max(
                float(np.median(scaled**2)) / _MEDIAN_CHI2_1,
                (float(np.quantile(scaled, 0.9)) / 1.645) ** 2,
            )
            if bounded and 0 < pred < 1:
                c = max(c, pred * (1 - pred))
            n_k = max(counts[k], 1)
            var = c * (1 / n_k + 1.57 / (LEVEL_DAYS * float(np.median(n_hist))))
            # A mean of heavy-tailed amounts (AOV) is less normal than a proportion.
            sd = (CALIBRATION if bounded else 1.3) * math.sqrt(max(var, 1e-18))
            return pred, (values[k] - pred) / sd, values[k] - pred
        if mode == "count":
            mu_hist = np.exp(work[fit.hist] - fit.resid) - 0.5
            lin = np.exp(work[fit.hist]) - 0.5 - np.maximum(mu_hist, 0.1)
            disp = float(np.median(lin**2 / np.maximum(mu_hist, 0.1))) / _MEDIAN_CHI2_1
            mu = max(math.exp(pred) - 0.5, 0.1)
            # Level uncertainty and calibration widen the band like extra dispersion.
            disp = CALIBRATION**2 * max(disp, 1.0) * (1 + 1.57 * mu / (LEVEL_DAYS * mu + 1e-9))
            return mu, _poisson_z(values[k], mu, disp), work[k] - pred
        if mode == "share" and offset:
            assert ref is not None
            return _count_against_index(values, ref, work, fit, pred, k, offset)
        sd_hist = _robust_sd(fit.resid)
        floor = 0.01 if mode in ("log", "share") else 0.005 * abs(pred) + 1e-9
        sd = CALIBRATION * max(sd_hist * math.sqrt(1 + 1.57 / LEVEL_DAYS), floor)
        if mode == "share":
            assert ref is not None
            if not math.isfinite(work[k]):
                return None
            return math.exp(pred) * ref[k] - offset, (work[k] - pred) / sd, work[k] - pred
        if mode == "log":
            return math.exp(pred), (work[k] - pred) / sd, work[k] - pred
        return pred, (work[k] - pred) / sd, work[k] - pred

    rest = _as_daily(scale_to).reindex(index).to_numpy() if scale_to is not None else None
    position = {d: i for i, d in enumerate(dates)}
    out: list[DayCheck] = []
    for k, day in enumerate(dates):
        if since is not None and day < since:
            continue
        result = judge(k)
        if result is None:
            continue
        expected, z, gap = result
        name = cal.get(day) if is_holiday[k] else None
        if name is not None:
            past = _last_year(dates, position, cal, k, name)
            past_result = judge(past) if past is not None else None
            z = _holiday_z(z, gap, expected, mode, past_result[2] if past_result else None)
        actual = float(values[k])
        if rest is not None and counts is not None:
            # Back from the share to the segment's own count, given the rest of the total.
            actual = float(values[k] * counts[k])
            expected = float(rest[k] * expected / max(1 - expected, 1e-9))
        out.append(DayCheck(day=day, actual=actual, expected=expected, z=z, holiday=name))
    return out


def _count_against_index(
    values: np.ndarray,
    ref: np.ndarray,
    work: np.ndarray,
    fit: _Fit,
    pred: float,
    k: int,
    offset: float,
) -> tuple[float, float, float] | None:
    """(expected, z, gap) of a count judged against the store-wide index: quasi-Poisson.

    The expectation comes from the log-share fit, but the surprise is judged on the count's
    own scale: in log space a topic with about ten tickets a day falling to three reads as
    five sigmas, while a Poisson count of mean eleven is three or fewer one day in two
    hundred. Over-dispersion, the index's own noise and heavy tails are measured on history
    (the larger of the median and the 90% quantile of the Pearson residuals), as for a rate.
    """
    if not math.isfinite(work[k]):
        return None
    hist = fit.hist
    fitted = np.maximum(np.exp(work[hist] - fit.resid) * ref[hist] - offset, 0.1)
    pearson = np.abs(values[hist] - fitted) / np.sqrt(fitted)
    dispersion = max(
        float(np.median(pearson**2)) / _MEDIAN_CHI2_1,
        (float(np.quantile(pearson, 0.9)) / 1.645) ** 2,
        1.0,
    )
    mu = max(math.exp(pred) * ref[k] - offset, 0.1)
    # Level uncertainty and calibration widen the band like extra dispersion.
    dispersion *= CALIBRATION**2 * (1 + 1.57 / LEVEL_DAYS)
    return mu, _poisson_z(values[k], mu, dispersion), work[k] - pred


def _integer_valued(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(len(finite) and np.all(finite >= 0) and np.allclose(finite, np.round(finite)))


def _last_year(
    dates: list[date], position: Mapping[date, int], cal: Mapping[date, str], k: int, name: str
) -> int | None:
    """The index of the same holiday about a year before day k, if the series holds it."""
    for d, n in cal.items():
        if n == name and d in position and timedelta(300) < dates[k] - d < timedelta(430):
            return position[d]
    return None


def _holiday_z(z: float, gap: float, expected: float, mode: str, past_gap: float | None) -> float:
    """A holiday's z against last year's surprise on the same holiday, or beyond a wide band."""
    if not gap or not math.isfinite(z):
        return z
    sd = abs(gap / z) if z else 1.0
    if past_gap is not None:
        # Last year's surprise on the same holiday is the expectation; two noisy days compared.
        return float((gap - past_gap) / (sd * math.sqrt(2)))
    if mode in ("ratio", "linear"):
        tolerance = HOLIDAY_TOLERANCE_LINEAR * abs(expected)
    else:
        tolerance = HOLIDAY_TOLERANCE_SHARE if mode == "share" else HOLIDAY_TOLERANCE_LOG
    if abs(gap) <= tolerance:
        return 0.0
    return z * (abs(gap) - tolerance) / abs(gap)
