"""The NAB scoring rule (windows, scaled sigmoid, corpus-wide threshold), re-implemented from
the rule written out in ../shared/data/nab/README.md.

A detection is a row whose score is >= theta. Every row's value depends only on its position
(inside a window, after a window, before any window), never on theta, so the corpus score for
every candidate theta comes from one sort and a cumulative sum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PROBATION_FRACTION = 0.15
PROBATION_CAP = 750


@dataclass(frozen=True, kw_only=True)
class Profile:
    name: str
    tp: float
    fp: float
    fn: float


PROFILES: tuple[Profile, ...] = (
    Profile(name="standard", tp=1.0, fp=0.11, fn=1.0),
    Profile(name="reward_low_FP_rate", tp=1.0, fp=0.22, fn=1.0),
    Profile(name="reward_low_FN_rate", tp=1.0, fp=0.11, fn=2.0),
)


@dataclass(frozen=True, kw_only=True)
class FileLabels:
    """One file's scoring frame: its length and its windows as inclusive row ranges."""

    name: str
    rows: int
    windows: tuple[tuple[int, int], ...]


@dataclass(frozen=True, kw_only=True)
class CorpusScore:
    profile: str
    threshold: float
    raw: float
    normalized: float
    per_file: Mapping[str, float]


def scaled_sigmoid(x: float) -> float:
    """S(x) = 2*sigmoid(-5x) - 1, clamped to -1 beyond x = 3."""
    if x > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_rows(n: int) -> int:
    return min(math.floor(PROBATION_FRACTION * n), PROBATION_CAP)


def row_values(labels: FileLabels, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Each row's value if it were a detection, and the index of its window (-1 when outside)."""
    n = labels.rows
    values = np.full(n, -profile.fp)
    window_of = np.full(n, -1, dtype=np.int64)
    s_minus_one = scaled_sigmoid(-1.0)
    windows = sorted(labels.windows)
    for k, (left, right) in enumerate(windows):
        width = right - left + 1
        for i in range(left, right + 1):
            values[i] = profile.tp * scaled_sigmoid(-(right - i + 1) / width) / s_minus_one
            window_of[i] = k
        stop = windows[k + 1][0] if k + 1 < len(windows) else n
        # A false positive just after a window costs little and grows towards -A_FP.
        for i in range(right + 1, stop):
            x = abs(i - right) / max(width - 1, 1)
            values[i] = profile.fp * scaled_sigmoid(x)
    values[: probation_rows(n)] = 0.0
    window_of[: probation_rows(n)] = -1
    return values, window_of


def score_corpus(
    files: Sequence[FileLabels], scores: Mapping[str, np.ndarray], profile: Profile
) -> CorpusScore:
    """Best raw score over all thresholds, and its normalisation between null and perfect."""
    all_scores, all_deltas, all_file = [], [], []
    n_windows = 0
    for f_idx, labels in enumerate(files):
        s = np.asarray(scores[labels.name], dtype=float)
        if len(s) != labels.rows:
            raise ValueError(f"{labels.name}: {len(s)} scores for {labels.rows} rows")
        values, window_of = row_values(labels, profile)
        active = np.arange(labels.rows) >= probation_rows(labels.rows)
        delta = np.where(window_of < 0, values, 0.0)
        n_windows += len(labels.windows)
        # In a window only the best (earliest) detection counts: as theta falls, a row adds
        # its improvement over the window's best so far, the first one over the miss (-A_FN).
        for k in range(len(labels.windows)):
            idx = np.flatnonzero(window_of == k)
            order = idx[np.argsort(-s[idx], kind="stable")]
            best = np.maximum.accumulate(values[order])
            prev = np.concatenate(([-profile.fn], best[:-1]))
            delta[order] = best - prev
        all_scores.append(s[active])
        all_deltas.append(delta[active])
        all_file.append(np.full(int(active.sum()), f_idx))
    s_all = np.concatenate(all_scores)
    d_all = np.concatenate(all_deltas)
    order = np.argsort(-s_all, kind="stable")
    s_sorted, cum = s_all[order], np.cumsum(d_all[order])
    null_raw = -profile.fn * n_windows
    # Only the last row of each run of equal scores is a reachable threshold.
    ends = np.flatnonzero(np.append(s_sorted[1:] != s_sorted[:-1], True))
    candidates = null_raw + cum[ends]
    if len(candidates) and candidates.max() > null_raw:
        best_at = int(np.argmax(candidates))
        threshold, raw = float(s_sorted[ends[best_at]]), float(candidates[best_at])
    else:
        threshold, raw = math.inf, null_raw
    per_file = {
        labels.name: file_score(labels, scores[labels.name], profile, threshold) for labels in files
    }
    perfect = profile.tp * n_windows
    normalized = 100.0 * (raw - null_raw) / (perfect - null_raw) if perfect != null_raw else 0.0
    return CorpusScore(
        profile=profile.name,
        threshold=threshold,
        raw=raw,
        normalized=normalized,
        per_file=per_file,
    )


def file_score(labels: FileLabels, scores: np.ndarray, profile: Profile, threshold: float) -> float:
    """One file's raw score at a fixed threshold (the direct, unoptimised rule)."""
    values, window_of = row_values(labels, profile)
    start = probation_rows(labels.rows)
    detected = np.asarray(scores, dtype=float) >= threshold
    detected[:start] = False
    total = float(values[detected & (window_of < 0)].sum())
    for k in range(len(labels.windows)):
        hits = values[detected & (window_of == k)]
        total += float(hits.max()) if len(hits) else -profile.fn
    return total


def normalize(raw: float, n_windows: int, profile: Profile) -> float:
    null_raw = -profile.fn * n_windows
    return 100.0 * (raw - null_raw) / (profile.tp * n_windows - null_raw)
