"""NAB: the streaming detector's Standard / Low-FP / Low-FN scores next to the scoreboard.

Run: `.venv/bin/python -m bench.nab_benchmark [--check-only] [--jobs N] [--limit N]`.
First re-scores Numenta HTM's stored outputs to validate the scorer (must give ~70.1), then
scores Scout's StreamingDetector on all 58 files (`--limit N`: N of them, evenly spread, for a
quick check; the scores are then not comparable with the scoreboard).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from agent.analyses.anomaly.nab_score import (
    PROFILES,
    CorpusScore,
    FileLabels,
    file_score,
    normalize,
    score_corpus,
)
from agent.analyses.anomaly.streaming import DetectorParams, StreamingDetector

SCOREBOARD: tuple[tuple[str, float, float, float], ...] = (
    ("Perfect", 100.0, 100.0, 100.0),
    ("ARTime", 74.9, 65.1, 80.4),
    ("Numenta HTM (NuPIC 1.0)", 70.5, 62.6, 75.2),
    ("CAD OSE", 69.9, 67.0, 73.2),
    ("earthgecko Skyline", 58.2, 46.2, 63.9),
    ("KNN CAD", 58.0, 43.4, 64.8),
    ("Twitter ADVec", 47.1, 33.6, 53.5),
    ("Windowed Gaussian", 39.6, 20.9, 47.4),
    ("Random", 11.0, 1.2, 19.5),
    ("Null", 0.0, 0.0, 0.0),
)


def nab_root() -> Path:
    """../shared/data/nab relative to the repo, or $SCOUT_SHARED_DATA/nab."""
    override = os.environ.get("SCOUT_SHARED_DATA")
    base = (
        Path(override) if override else Path(__file__).resolve().parents[1].parent / "shared/data"
    )
    return base / "nab"


def load_corpus(
    root: Path, limit: int | None = None
) -> tuple[list[FileLabels], dict[str, pd.DataFrame]]:
    """The 58 series (or `limit` of them) and their label windows mapped to row indices."""
    windows = json.loads((root / "labels/combined_windows.json").read_text())
    names = sorted(windows)
    if limit is not None and limit < len(names):
        # Evenly spread, not the first few: those are all artificialNoAnomaly, with no window
        # to score.
        names = [names[i * len(names) // limit] for i in range(limit)]
    files: list[FileLabels] = []
    frames: dict[str, pd.DataFrame] = {}
    for name in names:
        frame = pd.read_csv(root / "data" / name)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        stamps = frame["timestamp"].to_numpy()
        ranges = []
        for start, end in windows[name]:
            left = int(np.searchsorted(stamps, np.datetime64(pd.Timestamp(start)), "left"))
            right = int(np.searchsorted(stamps, np.datetime64(pd.Timestamp(end)), "right")) - 1
            ranges.append((left, right))
        files.append(FileLabels(name=name, rows=len(frame), windows=tuple(ranges)))
        frames[name] = frame
    return files, frames


def stored_outputs(root: Path, detector: str, files: list[FileLabels]) -> dict[str, np.ndarray]:
    out = {}
    for labels in files:
        path = root / "reference_results/detector_outputs" / detector / f"{labels.name}.gz"
        with gzip.open(path, "rt") as handle:
            out[labels.name] = pd.read_csv(handle)["anomaly_score"].to_numpy(dtype=float)
    return out


def _score_file(args: tuple[str, np.ndarray, np.ndarray]) -> tuple[str, np.ndarray]:
    name, stamps, values = args
    return name, StreamingDetector().score_series(stamps, values)


def run_detector(
    frames: Mapping[str, pd.DataFrame], jobs: int
) -> tuple[dict[str, np.ndarray], float]:
    tasks = [
        (name, f["timestamp"].to_numpy(), f["value"].to_numpy(dtype=float))
        for name, f in frames.items()
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = dict(pool.map(_score_file, tasks))
    return results, time.perf_counter() - started


def score_all(files: list[FileLabels], scores: Mapping[str, np.ndarray]) -> dict[str, CorpusScore]:
    return {p.name: score_corpus(files, scores, p) for p in PROFILES}


def held_out(
    files: list[FileLabels], scores: Mapping[str, np.ndarray], tune_on_odd: bool = True
) -> tuple[float, float]:
    """Standard score with theta tuned on one half (odd or even files), then the other half at it."""
    standard = PROFILES[0]
    odd, even = files[1::2], files[0::2]
    tune, test = (odd, even) if tune_on_odd else (even, odd)
    tuned = score_corpus(tune, scores, standard)
    raw_test = sum(file_score(f, scores[f.name], standard, tuned.threshold) for f in test)
    return tuned.normalized, normalize(raw_test, sum(len(f.windows) for f in test), standard)


def cross_validated(files: list[FileLabels], scores: Mapping[str, np.ndarray]) -> float:
    """Standard score of the whole corpus with every file scored at the theta tuned on the
    half it is not in (two folds: odd and even files), so no file's threshold saw its labels."""
    standard = PROFILES[0]
    halves = (files[1::2], files[0::2])
    raw = 0.0
    for tune, test in (halves, halves[::-1]):
        theta = score_corpus(tune, scores, standard).threshold
        raw += sum(file_score(f, scores[f.name], standard, theta) for f in test)
    return normalize(raw, sum(len(f.windows) for f in files), standard)


def at_own_threshold(
    files: list[FileLabels], scores: Mapping[str, np.ndarray]
) -> tuple[float, float]:
    """Standard score on the odd and on the even files at the detector's own alert threshold."""
    standard, theta = PROFILES[0], DetectorParams().suppress_threshold
    halves = (files[1::2], files[0::2])
    return tuple(  # type: ignore[return-value]
        normalize(
            sum(file_score(f, scores[f.name], standard, theta) for f in half),
            sum(len(f.windows) for f in half),
            standard,
        )
        for half in halves
    )


def per_category(files: list[FileLabels], result: CorpusScore) -> dict[str, tuple[int, float]]:
    """Raw score and window count per category at the corpus threshold."""
    cats: dict[str, tuple[int, float]] = {}
    for labels in files:
        cat = labels.name.split("/")[0]
        n, raw = cats.get(cat, (0, 0.0))
        cats[cat] = (n + len(labels.windows), raw + result.per_file[labels.name])
    return cats


def _print_scores(
    title: str, results: Mapping[str, CorpusScore], out: Callable[[str], None]
) -> None:
    s, fp, fn = (results[p.name] for p in PROFILES)
    out(
        f"{title:<28} {s.normalized:8.2f} {fp.normalized:8.2f} {fn.normalized:8.2f}"
        f"   (raw {s.raw:.3f}, theta {s.threshold:.4f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check-only", action="store_true", help="only validate the scorer")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, help="score only N files, evenly spread (≥ 4)")
    args = parser.parse_args(argv)
    root = nab_root()
    if not (root / "labels/combined_windows.json").exists():
        print(f"NAB data not found at {root}; set SCOUT_SHARED_DATA. Skipping.")
        return 0
    files, frames = load_corpus(root, args.limit)
    print(
        f"NAB corpus: {len(files)} files, {sum(f.rows for f in files)} rows, "
        f"{sum(len(f.windows) for f in files)} windows"
    )
    print(f"{'detector':<28} {'Standard':>8} {'LowFP':>8} {'LowFN':>8}")
    for det in ("numenta", "twitterADVec"):
        _print_scores(
            f"{det} (stored, rescored)", score_all(files, stored_outputs(root, det, files)), print
        )
    if args.check_only:
        return 0
    scores, seconds = run_detector(frames, args.jobs)
    results = score_all(files, scores)
    _print_scores("Scout StreamingDetector", results, print)
    rows = sum(f.rows for f in files)
    print(
        f"detector time: {seconds:.1f} s wall for {rows} rows on {args.jobs} process(es) "
        f"({rows / seconds:,.0f} rows/s)"
    )
    odd, even = held_out(files, scores)
    print(
        f"held-out split (Standard, theta tuned on the {len(files[1::2])} odd files): odd {odd:.2f}, "
        f"even files at that theta {even:.2f}"
    )
    even_tuned, odd_at_even = held_out(files, scores, tune_on_odd=False)
    print(
        f"held-out split (Standard, theta tuned on the {len(files[0::2])} even files): "
        f"even {even_tuned:.2f}, "
        f"odd files at that theta {odd_at_even:.2f}"
    )
    print(
        "cross-validated (Standard, every file at the theta tuned on the other half): "
        f"{cross_validated(files, scores):.2f}"
    )
    own_odd, own_even = at_own_threshold(files, scores)
    print(
        f"at the detector's own threshold ({DetectorParams().suppress_threshold}, nothing tuned "
        f"on the corpus): odd {own_odd:.2f}, even {own_even:.2f}"
    )
    print("\nScoreboard (published, threshold tuned on the corpus):")
    for name, a, b, c in SCOREBOARD:
        print(f"  {name:<26} {a:8.1f} {b:8.1f} {c:8.1f}")
    print("\nPer category (Standard, at the corpus threshold):")
    std = results["standard"]
    for cat, (n, raw) in sorted(per_category(files, std).items()):
        print(f"  {cat:<24} windows {n:3d}  raw {raw:8.3f}")
    print("\nPer category, Numenta HTM stored outputs (Standard, at its corpus threshold):")
    htm = score_all(files, stored_outputs(root, "numenta", files))["standard"]
    for cat, (n, raw) in sorted(per_category(files, htm).items()):
        print(f"  {cat:<24} windows {n:3d}  raw {raw:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
