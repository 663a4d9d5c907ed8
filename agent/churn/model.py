"""Scoring: calibrated gradient-boosting models trained on the warehouse's own history.

Training snapshots sit at past cut-offs (today − horizon, then every `snapshot_every_days`
back); each describes the customers active before its cut-off with the same SQL used for
scoring. Two populations get two questions:

- repeat buyers are churned when they do not order again within their own window after the
  cut-off: `label_multiple` × their usual gap, at least `min_label_days`. A slow buyer whose
  window is longer than the days a cut-off can judge (`horizon_days`, or fewer for recent
  cut-offs) is labelled by those days once there are at least `long_window_label_days` of
  them: silent through all of them is churned. Left out, as they once were, the slow buyers
  at the top of an RFM list were never learned (on Online Retail's tuning data, AUC 0.747
  → 0.770 with them). With fewer days, or the rule unset, they are left out (censored)
  rather than called churned for a pause that is normal for them;
- first-time buyers are never labelled churned: their model learns whether a second
  purchase comes within `horizon_days`;
- repeat buyers already past their churn line (lapsed) have churned by the label's rule:
  their own model learns whether they come back (an order or a visit) within
  `horizon_days`, the win-back question. Scored by the model of those not yet lapsed,
  they were extrapolated from a population that never looked like them (on Online
  Retail's tuning data the lapsed were ranked worse than by RFM, AUC 0.661 against 0.697).

Every snapshot reads the history available before its cut-off (up to `lookback_days`) and
compares the same recent window with it, so the features mean the same in training and
today. The latest snapshot is held out (out of time) to measure AUC, the Brier score and
the tiers' precision and recall; the final models are fitted on all snapshots.
Probabilities come from sigmoid calibration (3 folds) over a shallow histogram
gradient-boosting classifier whose signals are constrained to push the risk in their known
direction; seeds are fixed.

When the history is too short (or the labels too one-sided) the model is the deterministic
rules in `rules_scores`, and `ChurnModel.kind == "rules"` says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from agent.churn.cohorts import find_cohorts
from agent.churn.features import (
    LAPSED_COLUMNS,
    MODEL_COLUMNS,
    customer_features,
    data_span,
    future_orders,
    model_matrix,
    next_active,
    recent_days,
)
from agent.churn.profile import assign_tiers
from agent.churn.pull import cohort_pull, pulled
from agent.churn.rules import ChurnRules
from agent.churn.schema import DEMO_SCHEMA, ChurnSchema
from agent.warehouse import Warehouse

log = logging.getLogger("scout.churn")

# Groups of columns a risk factor speaks about; attribution resets one group at a time.
FACTOR_GROUPS: Mapping[str, tuple[str, ...]] = {
    "recency": ("days_since_last", "recency_ratio", "p_alive", "p_quiet"),
    "frequency": ("orders_recent", "revenue_recent", "frequency_change", "orders_year_ago"),
    "support": (
        "tickets_90",
        "tickets_30",
        "ticket_spike",
        "unresolved",
        "avg_satisfaction",
        "unhappy_tickets",
        "tickets_56",
        "unresolved_56",
        "satisfaction_56",
        "unhappy_56",
    ),
    "usage": ("sessions_30", "sessions_prev_60", "sessions_change", "days_since_session"),
    "returns": ("returns_90", "refunds_90"),
}


# The direction each signal can push the risk. Purchase labels are noisy for occasional
# buyers; without these constraints the trees fit that noise (on the demo, AUC on the churn
# cohort went from 0.65 to 0.83 with them and shallow trees).
MONOTONE: Mapping[str, int] = {
    "days_since_last": 1,
    "days_since_active": 1,
    "recency_ratio": 1,
    "orders_total": -1,
    "orders_recent": -1,
    "revenue_recent": -1,
    "frequency_change": -1,
    "tickets_90": 1,
    "tickets_30": 1,
    "ticket_spike": 1,
    "unresolved": 1,
    "avg_satisfaction": -1,
    "unhappy_tickets": 1,
    "tickets_56": 1,
    "unresolved_56": 1,
    "satisfaction_56": -1,
    "unhappy_56": 1,
    "p_alive": -1,
    "p_quiet": 1,
    "orders_year_ago": -1,
    "sessions_30": -1,
    "sessions_change": -1,
    "days_since_session": 1,
    "returns_90": 1,
}


@dataclass(frozen=True, kw_only=True)
class Backtest:
    """The tiers applied to the held-out snapshot's customers not yet lapsed at its cut-off
    (as today's list is drawn): how many were flagged, how many of them went quiet
    (precision) and how many of all who went quiet they found (recall)."""

    cutoff: date
    customers: int
    flagged: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True, kw_only=True)
class TrainingReport:
    """How the models were trained and how well they did on the held-out snapshot."""

    snapshots: tuple[date, ...] = ()
    rows: int = 0
    churn_rate: float | None = None
    holdout_auc: float | None = None
    holdout_brier: float | None = None
    base_rate_brier: float | None = None
    backtest: Backtest | None = None
    # Repeat buyers whose own window is longer than the label horizon: not labelled.
    censored: int = 0
    first_time_rows: int = 0
    second_purchase_rate: float | None = None
    lapsed_rows: int = 0
    comeback_rate: float | None = None
    reason: str = ""


@dataclass(kw_only=True)
class ChurnModel:
    """Churn probability for a feature frame: the trained model, or the rules fallback."""

    kind: Literal["model", "rules"]
    history_days: int
    recent_days: int
    horizon_days: int
    trained_for: date
    report: TrainingReport
    label_multiple: float = 2.0
    min_label_days: int = 30
    long_window_label_days: int | None = None
    estimator: object | None = None
    # First-time buyers' model: the probability of no second purchase within the horizon.
    first_time_estimator: object | None = None
    # Lapsed repeat buyers' model: the probability of no order or visit within the horizon.
    lapsed_estimator: object | None = None
    # Typical values among customers who stayed: the counterfactual for attribution.
    reference: dict[str, float] = field(default_factory=dict)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each customer does not come back when due: for a
        repeat buyer, no order or visit within their own window (churn); for a first-time
        buyer, no second purchase within the horizon (not churn: a different question)."""
        if len(frame) == 0:
            return np.zeros(0)
        if self.kind == "rules" or self.estimator is None:
            return rules_scores(frame)
        x = model_matrix(frame)
        out = _positive(self.estimator, x)
        if self.first_time_estimator is not None and "population" in frame:
            first = (frame["population"] == "first_time").to_numpy()
            if first.any():
                out[first] = _positive(self.first_time_estimator, x[first])
        return out

    def second_purchase(self, frame: pd.DataFrame) -> np.ndarray:
        """P(a second purchase within the horizon) for first-time buyers; NaN without a
        trained model (the rules have no view on it)."""
        if self.first_time_estimator is None or len(frame) == 0:
            return np.full(len(frame), np.nan)
        return 1.0 - _positive(self.first_time_estimator, model_matrix(frame))

    def comeback(self, frame: pd.DataFrame) -> np.ndarray:
        """P(an order or visit within the horizon) for lapsed repeat buyers; NaN without a
        trained model."""
        if self.lapsed_estimator is None or len(frame) == 0:
            return np.full(len(frame), np.nan)
        return 1.0 - _positive(self.lapsed_estimator, model_matrix(frame, LAPSED_COLUMNS))

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per row and factor group: how much the probability drops if that group looked
        like a typical retained customer's (positive = the group raises the risk)."""
        base = self.predict(frame)
        out = {}
        for group, columns in FACTOR_GROUPS.items():
            changed = frame.copy()
            for column in columns:
                changed[column] = self.reference.get(column, np.nan)
            out[group] = base - self.predict(changed)
        return pd.DataFrame(out, index=frame.index)

    def describe(self) -> str:
        """One sentence on what scored the customers."""
        if self.kind == "rules":
            return f"deterministic rules (recency, frequency drop, support spike): {self.report.reason}"
        r = self.report
        auc = f", held-out AUC {r.holdout_auc:.2f}" if r.holdout_auc is not None else ""
        return (
            f"gradient boosting trained on {len(r.snapshots)} past snapshots "
            f"({r.rows:,} repeat-buyer snapshots{auc}); churned = no order or visit within "
            f"{self.label_words()}"
        )

    def label_words(self) -> str:
        """The churn window in words: how long a repeat buyer stays away before it counts."""
        longest = ""
        long = self.long_window_label_days
        if long is not None and max(long, self.min_label_days) <= self.horizon_days:
            longest = f", at most {self.horizon_days}"  # slow buyers: the whole horizon
        return (
            f"{self.multiple_words()} their usual gap between visits or orders "
            f"(at least {self.min_label_days} days{longest})"
        )

    def multiple_words(self) -> str:
        k = f"{self.label_multiple:g}"
        return "twice" if k == "2" else f"{k} times"


def rules_scores(frame: pd.DataFrame) -> np.ndarray:
    """The fallback: recency against the customer's rhythm, a frequency drop, a support spike."""
    f = frame
    score = np.full(len(f), 0.3)
    ratio = f["recency_ratio"].to_numpy(dtype=float)
    since = f["days_since_last"].to_numpy(dtype=float)
    no_rhythm = np.isnan(ratio)
    score += np.where(~no_rhythm & (ratio > 2.0), 0.35, np.where(ratio > 1.5, 0.2, 0.0))
    score += np.where(no_rhythm & (since > 60), 0.3, np.where(no_rhythm & (since > 30), 0.15, 0))
    score += np.where(f["frequency_change"].fillna(0).to_numpy() <= -1, 0.15, 0.0)
    spike = (f["ticket_spike"].to_numpy() >= 2) | (f["tickets_30"].to_numpy() >= 3)
    score += np.where(spike, 0.15, np.where(f["tickets_90"].to_numpy() >= 2, 0.08, 0.0))
    score += np.where(f["unresolved"].to_numpy() >= 1, 0.05, 0.0)
    score += np.where(f["avg_satisfaction"].fillna(5).to_numpy() <= 2, 0.1, 0.0)
    score += np.where(f["sessions_change"].to_numpy() <= -2, 0.05, 0.0)
    return np.clip(score, 0.02, 0.98)


def snapshot_cutoffs(first_day: date, today: date, rules: ChurnRules) -> list[date]:
    """Past cut-offs, newest first: the newest leaves the shortest label window
    (`min_label_days`) before today, and each has enough history before it. A customer is
    labelled at a cut-off only once their own window has closed by today."""
    cutoffs = []
    for k in range(rules.max_snapshots):
        cutoff = today - timedelta(days=rules.min_label_days + k * rules.snapshot_every_days)
        if (cutoff - first_day).days >= rules.min_history_days:
            cutoffs.append(cutoff)
    return cutoffs


def label_window(cadence: pd.Series, rules: ChurnRules, days: int | None = None) -> pd.Series:
    """Days within which each repeat buyer orders or visits again unless they have stopped:
    a multiple of their own gap, never less than `min_label_days`. With `days` (what a
    training cut-off can judge) and `long_window_label_days` set, a longer window is cut to
    `days` once that many have passed: a slow buyer silent for all of them is labelled
    churned instead of being left out of training."""
    window = np.maximum(cadence * rules.label_multiple, float(rules.min_label_days))
    long = rules.long_window_label_days
    if days is not None and long is not None and days >= max(long, rules.min_label_days):
        window = np.minimum(window, float(days))
    return window


def past_churn_line(frame: pd.DataFrame, rules: ChurnRules) -> pd.Series:
    """Repeat buyers with no order or visit for longer than their own churn window (the
    label's rule over the horizon: twice their gap, at least `min_label_days`, at most
    `horizon_days`) as of the frame's cut-off. By that rule they have already churned: they
    are lapsed, a win-back question, and never a churn risk. Everyone else is False (a NaN
    window or silence compares False)."""
    window = label_window(frame["cadence"], rules, rules.horizon_days)
    return (frame["population"] == "repeat") & (frame["days_since_active"] > window)


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """One past cut-off: repeat buyers not yet lapsed then, whose own window had closed by
    today, and whether they went quiet in it; first-time buyers, and whether no second
    purchase followed."""

    cutoff: date
    repeat: pd.DataFrame
    churned: pd.Series
    # The day each repeat buyer's window closed: a backtest as of day D may only learn
    # from labels known by D.
    known_on: pd.Series
    first_time: pd.DataFrame
    no_second: pd.Series
    censored: int
    # Repeat buyers past their churn line at the cut-off, and whether they stayed away for
    # the whole horizon (empty while the horizon is still open).
    lapsed: pd.DataFrame
    not_back: pd.Series


def labelled_snapshot(
    warehouse: Warehouse,
    cutoff: date,
    history_days: int,
    recent: int,
    rules: ChurnRules,
    today: date,
    schema: ChurnSchema = DEMO_SCHEMA,
) -> Snapshot:
    """Customers active at `cutoff`, labelled by what they did after it (up to today)."""
    start = cutoff - timedelta(days=history_days)
    frame = customer_features(warehouse, cutoff, start, recent, schema=schema).frame
    days = min(rules.horizon_days, (today - cutoff).days)
    after = next_active(warehouse, cutoff, days, schema=schema).reindex(frame.index)
    # Only those not yet past their churn line at the cut-off, as when scoring today: the
    # lapsed would teach the model that silence predicts silence, and nothing about who
    # among the still active is about to go.
    gone = past_churn_line(frame, rules)
    repeat = frame[(frame["population"] == "repeat") & ~gone]
    window = label_window(repeat["cadence"], rules, days)
    # A window longer than the days there are cannot be judged: such a customer is left out
    # rather than called churned for a pause that is normal for them.
    judged = window <= days
    back = after.loc[repeat.index]
    churned = ~(back < window)  # NaN (not seen again in the horizon) counts as not back
    closes = pd.Timestamp(cutoff) + pd.to_timedelta(np.ceil(window), unit="D")
    first = frame[frame["population"] == "first_time"]
    lapsed = frame[gone]
    if (today - cutoff).days < rules.horizon_days:  # the horizon's questions are still open
        first, lapsed = first.iloc[:0], lapsed.iloc[:0]
    bought = future_orders(warehouse, cutoff, rules.horizon_days, schema=schema)
    bought = bought.reindex(first.index)
    return Snapshot(
        cutoff=cutoff,
        repeat=repeat[judged],
        churned=churned[judged].astype(int),
        known_on=closes[judged],
        first_time=first,
        no_second=(bought.fillna(0.0) == 0).astype(int),
        censored=int((~judged).sum()),
        lapsed=lapsed,
        not_back=(~(after.loc[lapsed.index] < rules.horizon_days)).astype(int),
    )


def train(
    warehouse: Warehouse, today: date, rules: ChurnRules, schema: ChurnSchema = DEMO_SCHEMA
) -> ChurnModel:
    """Train on the warehouse's own history (its tables as semantic.yml's customer entity
    names them), or fall back to the rules (and say why)."""
    span = data_span(warehouse, schema=schema)
    if span is None:
        return _rules(rules, today, rules.lookback_days, "the warehouse has no orders yet")
    first_day = span[0]
    cutoffs = snapshot_cutoffs(first_day, today, rules)
    if not cutoffs:
        need = rules.min_label_days + rules.min_history_days
        have = (today - first_day).days
        return _rules(
            rules,
            today,
            min(rules.lookback_days, max(have, 1)),
            f"history too short to train ({have} days of orders, {need} needed)",
        )
    history = min(rules.lookback_days, (today - first_day).days)
    recent = recent_days(min((c - first_day).days for c in cutoffs))
    snaps = [
        labelled_snapshot(
            warehouse, c, min(history, (c - first_day).days), recent, rules, today, schema
        )
        for c in cutoffs
    ]
    # Sample each snapshot evenly when the history is large: the fit stays a few seconds.
    per = max(1, rules.max_training_rows // len(snaps))
    frames = [_sample(s.repeat, per, rules.seed) for s in snaps]
    labels = [s.churned.loc[f.index] for s, f in zip(snaps, frames, strict=True)]
    x_all = pd.concat(frames)
    y_all = pd.concat(labels).to_numpy()
    positives = int(y_all.sum())
    if len(y_all) < rules.min_training_rows or min(positives, len(y_all) - positives) < 20:
        return _rules(
            rules,
            today,
            history,
            f"too few labelled repeat buyers to train ({len(y_all)} rows, {positives} churned)",
        )
    # The backtest scores as today's list does: with the cohorts found as of its cut-off.
    pull = (
        cohort_ratio(warehouse, snaps[0].cutoff, first_day, frames[0].index, schema)
        if len(snaps) >= 2
        else None
    )
    holdout = _holdout(snaps, frames, labels, rules, pull)
    estimator = fit_calibrated(model_matrix(x_all), y_all, rules.seed)
    first_estimator = _side_model(
        [s.first_time for s in snaps], [s.no_second for s in snaps], per, rules
    )
    lapsed_estimator = _side_model(
        [s.lapsed for s in snaps], [s.not_back for s in snaps], per, rules, LAPSED_COLUMNS
    )
    retained = x_all[y_all == 0]
    reference = {c: float(retained[c].median()) for c in MODEL_COLUMNS}
    return ChurnModel(
        kind="model",
        history_days=history,
        recent_days=recent,
        horizon_days=rules.horizon_days,
        label_multiple=rules.label_multiple,
        min_label_days=rules.min_label_days,
        long_window_label_days=rules.long_window_label_days,
        trained_for=today,
        estimator=estimator,
        first_time_estimator=first_estimator[0],
        lapsed_estimator=lapsed_estimator[0],
        reference=reference,
        report=TrainingReport(
            snapshots=tuple(cutoffs),
            rows=len(y_all),
            churn_rate=float(y_all.mean()),
            holdout_auc=holdout.holdout_auc,
            holdout_brier=holdout.holdout_brier,
            base_rate_brier=holdout.base_rate_brier,
            backtest=holdout.backtest,
            censored=sum(s.censored for s in snaps),
            first_time_rows=first_estimator[1],
            second_purchase_rate=_share_back(first_estimator),
            lapsed_rows=lapsed_estimator[1],
            comeback_rate=_share_back(lapsed_estimator),
        ),
    )


def _side_model(
    frames: list[pd.DataFrame],
    labels: list[pd.Series],
    per: int,
    rules: ChurnRules,
    columns: Sequence[str] = MODEL_COLUMNS,
) -> tuple[object | None, int, float | None]:
    """(estimator or None, rows, share labelled 1) for a population with its own question
    (first-time buyers, the lapsed), each snapshot sampled like the repeat buyers'."""
    sampled = [_sample(f, per, rules.seed) for f in frames]
    y = pd.concat([y.loc[f.index] for y, f in zip(labels, sampled, strict=True)]).to_numpy(
        dtype=int
    )
    if len(y) == 0:
        return None, 0, None
    enough = len(y) >= rules.min_training_rows and min(y.sum(), (1 - y).sum()) >= 20
    x = model_matrix(pd.concat(sampled), columns)
    estimator = fit_calibrated(x, y, rules.seed, columns) if enough else None
    return estimator, len(y), float(y.mean())


def _share_back(side: tuple[object | None, int, float | None]) -> float | None:
    return None if side[2] is None else 1.0 - side[2]


MIN_LEAF = 40  # customers per leaf: a pattern seen in fewer is not a pattern


def fit_calibrated(
    x: np.ndarray, y: np.ndarray, seed: int, columns: Sequence[str] = MODEL_COLUMNS
) -> object:
    """Shallow, monotone histogram gradient boosting with sigmoid calibration (3 folds)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold

    booster = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=200,
        max_depth=2,
        min_samples_leaf=MIN_LEAF,
        l2_regularization=1.0,
        monotonic_cst=[MONOTONE.get(c, 0) for c in columns],
        random_state=seed,
    )
    # Shuffled (seeded) folds: the rows come snapshot by snapshot, and a signal that only
    # older snapshots can measure would otherwise be missing from a whole fold.
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    model = CalibratedClassifierCV(booster, method="sigmoid", cv=folds)
    with single_thread():
        model.fit(_no_sparse_columns(x, MIN_LEAF), y)
    return model


def single_thread() -> AbstractContextManager[object]:
    """OpenMP pinned to one thread: on a small shared machine the default pool spin-waits
    and makes a two-second fit take a minute; one thread is also bit-for-bit repeatable."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(n=rows, random_state=seed).sort_index()


def _no_sparse_columns(x: np.ndarray, min_values: int) -> np.ndarray:
    """A column with fewer values than a leaf needs (no ratings yet; a purchase gap among
    first-time buyers) becomes zeros: no split could use it, and a calibration fold holding
    none of its values would leave the binner nothing to bin (a crash, not a skip)."""
    sparse = (~np.isnan(x)).sum(axis=0) < min_values
    if not sparse.any():
        return x
    x = x.copy()
    x[:, sparse] = 0.0
    return x


def cohort_ratio(
    warehouse: Warehouse, as_of: date, data_start: date, index: pd.Index, schema: ChurnSchema
) -> np.ndarray:
    """Each customer's cohort ratio ρ as of a day (1 outside any cohort that fell)."""
    scan = find_cohorts(warehouse, as_of, data_start=data_start, schema=schema)
    pull = cohort_pull(warehouse, as_of, scan, schema=schema)[0]["cohort_ratio"]
    return pull.reindex(index).fillna(1.0).to_numpy(dtype=float)


def _holdout(
    snaps: list[Snapshot],
    frames: list[pd.DataFrame],
    labels: list[pd.Series],
    rules: ChurnRules,
    pull: np.ndarray | None = None,
) -> TrainingReport:
    """The backtest: as of the newest snapshot, a model trained only on labels known by
    then (windows closed before it) scores its customers, and the tiers are applied to
    them. Its precision is what a team can expect of the customers flagged today."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if len(frames) < 2:
        return TrainingReport()
    as_of = snaps[0].cutoff
    known = [
        s.known_on.loc[f.index] <= pd.Timestamp(as_of)
        for s, f in zip(snaps[1:], frames[1:], strict=True)
    ]
    train_x = pd.concat([f[k] for f, k in zip(frames[1:], known, strict=True)])
    train_y = pd.concat([y[k] for y, k in zip(labels[1:], known, strict=True)]).to_numpy()
    test_y = labels[0].to_numpy()
    if min(train_y.sum(), len(train_y) - train_y.sum()) < 10 or len(set(test_y)) < 2:
        return TrainingReport()
    model = fit_calibrated(model_matrix(train_x), train_y, rules.seed)
    proba = _positive(model, model_matrix(frames[0]))
    if pull is not None:
        proba = pulled(proba, pull)
    rate = float(train_y.mean())
    # The snapshot holds, as today's list does, only those not yet past their churn line.
    flagged = np.isin(assign_tiers(proba, rules), ("high", "critical"))
    stopped = int(test_y.sum())
    hits = int(test_y[flagged].sum())
    return TrainingReport(
        holdout_auc=float(roc_auc_score(test_y, proba)),
        holdout_brier=float(brier_score_loss(test_y, proba)),
        base_rate_brier=float(np.mean((test_y - rate) ** 2)),
        backtest=Backtest(
            cutoff=as_of,
            customers=len(test_y),
            flagged=int(flagged.sum()),
            precision=hits / int(flagged.sum()) if flagged.any() else None,
            recall=hits / stopped if stopped else None,
        ),
    )


def _positive(estimator: object, x: np.ndarray) -> np.ndarray:
    with single_thread():
        proba = estimator.predict_proba(x)  # type: ignore[attr-defined]
    return np.clip(np.asarray(proba[:, 1], dtype=float), 0.0, 1.0)


def _rules(rules: ChurnRules, today: date, history: int, reason: str) -> ChurnModel:
    log.info("churn.rules_fallback reason=%s", reason)
    reference = {
        "days_since_last": 14.0,
        "recency_ratio": 0.5,
        "frequency_change": 0.0,
        "ticket_spike": 0.0,
        "tickets_30": 0.0,
        "tickets_90": 0.0,
        "unresolved": 0.0,
        "avg_satisfaction": np.nan,
        "sessions_change": 0.0,
    }
    return ChurnModel(
        kind="rules",
        history_days=history,
        recent_days=recent_days(history),
        horizon_days=rules.horizon_days,
        label_multiple=rules.label_multiple,
        min_label_days=rules.min_label_days,
        long_window_label_days=rules.long_window_label_days,
        trained_for=today,
        report=TrainingReport(reason=reason),
        reference=reference,
    )
