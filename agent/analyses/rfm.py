"""RFM scoring and the named segment map, on a frame of one row per customer.

Scores are quintiles, 5 best: recent, frequent, high-spending customers score 5. Ties share
a score: a customer scores by the share of customers strictly worse than them
(1 + floor(5 × share)), so on a store where most people bought once every one-time buyer
gets F = 1 and a second order already puts someone in the top fifth. Splitting a tie group
across quintiles at random (plain NTILE) would give identical customers different segments.

The segment map (first matching box wins; every R, F, M combination lands in one segment):

| segment             | R    | F    | M    | what to do                                        |
| ------------------- | ---- | ---- | ---- | ------------------------------------------------- |
| Champions           | 4–5  | 4–5  | 4–5  | VIP early access, referral asks; no discounts     |
| Can't lose them     | 1–2  | 4–5  | 4–5  | personal win-back: premium offer or a call        |
| Loyal               | 3–5  | 4–5  | any  | loyalty programme, upsell and cross-sell          |
| At risk             | 1–2  | 3–5  | any  | win-back offer with recommendations               |
| At risk             | 1–2  | 1–2  | 4–5  |   (big one-off spenders gone quiet)               |
| New                 | 5    | 1    | any  | welcome series, second-purchase incentive         |
| Potential loyalists | 4–5  | 2–3  | any  | loyalty enrolment, personalised recommendations   |
| Promising           | 4–5  | 1    | any  | brand content, free shipping on the next order    |

"New" is only for customers whose first order falls inside the window read: one recent
order from someone who has bought before it (a customer of two years back after a pause)
is no newcomer, and a welcome series would read as if the store had forgotten them; they
are Promising.
| Need attention      | 3    | 1–3  | any  | limited-time offer based on past purchases        |
| Hibernating         | 2    | 1–2  | 1–3  | low-cost reactivation email with bestsellers      |
| Lost                | 1    | 1–2  | 1–3  | last low-cost win-back, then stop spending        |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

Range = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class SegmentRule:
    """A box in (R, F, M) score space that names a segment."""

    segment: str
    r: Range
    f: Range
    m: Range = (1, 5)
    new_only: bool = False  # only for customers whose first order is inside the window

    def matches(self, r: int, f: int, m: int, *, new: bool = True) -> bool:
        if self.new_only and not new:
            return False
        return all(lo <= v <= hi for v, (lo, hi) in ((r, self.r), (f, self.f), (m, self.m)))


RULES: tuple[SegmentRule, ...] = (
    SegmentRule(segment="Champions", r=(4, 5), f=(4, 5), m=(4, 5)),
    SegmentRule(segment="Can't lose them", r=(1, 2), f=(4, 5), m=(4, 5)),
    SegmentRule(segment="Loyal", r=(3, 5), f=(4, 5)),
    SegmentRule(segment="At risk", r=(1, 2), f=(3, 5)),
    SegmentRule(segment="At risk", r=(1, 2), f=(1, 2), m=(4, 5)),
    SegmentRule(segment="New", r=(5, 5), f=(1, 1), new_only=True),
    SegmentRule(segment="Potential loyalists", r=(4, 5), f=(2, 3)),
    SegmentRule(segment="Promising", r=(4, 5), f=(1, 1)),
    SegmentRule(segment="Need attention", r=(3, 3), f=(1, 3)),
    SegmentRule(segment="Hibernating", r=(2, 2), f=(1, 2), m=(1, 3)),
    SegmentRule(segment="Lost", r=(1, 1), f=(1, 2), m=(1, 3)),
)

ACTIONS: dict[str, str] = {
    "Champions": "VIP early access and referral asks; no discount needed",
    "Can't lose them": "personal win-back: premium offer or an account-manager call",
    "Loyal": "loyalty programme perks, upsell and cross-sell",
    "At risk": "win-back offer with personalised recommendations",
    "New": "welcome series with a second-purchase incentive",
    "Potential loyalists": "loyalty enrolment and personalised recommendations",
    "Promising": "brand content and free shipping on the next order",
    "Need attention": "limited-time offer based on past purchases",
    "Hibernating": "low-cost reactivation email with bestsellers",
    "Lost": "one last low-cost win-back, then stop spending",
}

# Best first: the order segments are listed in answers and charts.
SEGMENT_ORDER: tuple[str, ...] = tuple(ACTIONS)


def segment_of(r: int, f: int, m: int, *, new: bool = True) -> str:
    """The named segment for scores 1–5 (the first rule whose box holds them); `new`:
    the customer's first order is inside the window scored."""
    for rule in RULES:
        if rule.matches(r, f, m, new=new):
            return rule.segment
    raise ValueError(f"no segment rule covers R={r} F={f} M={m}")


def quintile_scores(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """1–5 by the share of customers strictly worse; ties always share a score."""
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="int64", index=values.index)
    ranked = values if higher_is_better else -values
    worse = ranked.rank(method="min").to_numpy() - 1  # how many are strictly worse
    scores = 1 + np.floor(5 * worse / n).astype("int64")
    return pd.Series(np.clip(scores, 1, 5), index=values.index, dtype="int64")


def score_customers(frame: pd.DataFrame) -> pd.DataFrame:
    """Add r_score, f_score, m_score and segment to a frame with recency_days, frequency,
    monetary (one row per customer) and, when known, ordered_before (an order before the
    window scored: not new)."""
    scored = frame.copy()
    scored["r_score"] = quintile_scores(scored["recency_days"], higher_is_better=False)
    scored["f_score"] = quintile_scores(scored["frequency"])
    scored["m_score"] = quintile_scores(scored["monetary"])
    new = (
        ~scored["ordered_before"].fillna(False).astype(bool)
        if "ordered_before" in scored
        else pd.Series(True, index=scored.index)
    )
    lookup = {
        (r, f, m, n): segment_of(r, f, m, new=n)
        for r in range(1, 6)
        for f in range(1, 6)
        for m in range(1, 6)
        for n in (True, False)
    }
    scored["segment"] = [
        lookup[key]
        for key in zip(scored["r_score"], scored["f_score"], scored["m_score"], new, strict=True)
    ]
    return scored


@dataclass(frozen=True, kw_only=True)
class ClusterCheck:
    """How well k-means on the raw RFM values agrees with the named segments."""

    k: int
    adjusted_rand: float
    labels: np.ndarray


def cluster_check(scored: pd.DataFrame, *, seed: int = 0, max_rows: int = 20_000) -> ClusterCheck:
    """k-means (k = number of named segments present) on log-scaled, standardised RFM.

    The named segments stay the answer; this only says whether the data's own structure
    agrees with them (adjusted Rand index: 1 identical, ~0 no better than chance).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    k = int(scored["segment"].nunique())
    if k < 2 or len(scored) <= k:
        return ClusterCheck(k=k, adjusted_rand=float("nan"), labels=np.zeros(len(scored), int))
    features = np.column_stack(
        [
            np.log1p(scored["recency_days"].to_numpy(float)),
            np.log1p(scored["frequency"].to_numpy(float)),
            np.log1p(np.maximum(scored["monetary"].to_numpy(float), 0.0)),
        ]
    )
    spread = features.std(axis=0)
    features = (features - features.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    model = KMeans(n_clusters=k, n_init=3, random_state=seed)
    if len(features) > max_rows:
        # Fit on a seeded sample: centroids settle long before 20k points, and a million
        # customers still answer in about a second.
        rows = np.random.default_rng(seed).choice(len(features), max_rows, replace=False)
        model.fit(features[np.sort(rows)])
        labels = model.predict(features)
    else:
        labels = model.fit_predict(features)
    ari = float(adjusted_rand_score(scored["segment"].to_numpy(), labels))
    return ClusterCheck(k=k, adjusted_rand=ari, labels=labels)


def stability(scored: pd.DataFrame, *, seed: int = 0, share: float = 0.9) -> float:
    """The share of customers who keep their segment when the scores are recomputed on a
    seeded random `share` of them: how much the segments depend on who happens to be in
    the data (quintile edges move when customers come and go). NaN below 20 customers."""
    if len(scored) < 20:
        return float("nan")
    rows = np.random.default_rng(seed).random(len(scored)) < share
    columns = [
        c for c in ("recency_days", "frequency", "monetary", "ordered_before") if c in scored
    ]
    again = score_customers(scored.loc[rows, columns])
    return float((again["segment"].to_numpy() == scored.loc[rows, "segment"].to_numpy()).mean())


def agreement_word(ari: float) -> str:
    if ari != ari:
        return "not measurable"
    if ari >= 0.65:
        return "strong"
    if ari >= 0.35:
        return "moderate"
    return "weak"
