"""The lesson's fixed churn rules, scored on our features, for side-by-side comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd


def lesson_rule_scores(frame: pd.DataFrame) -> np.ndarray:
    """+0.3 no order in 30 days, +0.2 recent orders under half the usual count (10 when
    unknown, the lesson's default), +0.15 more than three tickets in 30 days."""
    usual = frame["expected_recent"].fillna(10.0)
    score = (
        0.3 * (frame["days_since_last"] > 30)
        + 0.2 * (frame["orders_recent"] < 0.5 * usual)
        + 0.15 * (frame["tickets_30"] > 3)
    )
    return np.minimum(1.0, score.to_numpy(dtype=float))
