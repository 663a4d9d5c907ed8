"""`scout detect FILE.csv`: the streaming anomaly detector on any time series."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from agent.analyses.anomaly import DetectorParams, StreamingDetector
from agent.errors import UserError

DEFAULT_THRESHOLD = DetectorParams().suppress_threshold


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "detect",
        help="score every row of a time series for anomalies",
        description=(
            "Run the streaming detector: each row gets a score in [0, 1] computed from that "
            "row and the rows before it. Rows at or above --threshold are reported. The first "
            f"{StreamingDetector().warmup_rows} rows are its warm-up (history only, never "
            "scored): for a few months of daily KPIs ask Scout instead."
        ),
    )
    p.add_argument("file", help="CSV file")
    p.add_argument("--time-col", required=True, help="timestamp column")
    p.add_argument("--value-col", required=True, help="numeric value column")
    p.add_argument("--scores", metavar="OUT.csv", help="write timestamp,anomaly_score per row")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="report level")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.threshold <= 1.0:
        raise UserError("--threshold must be between 0 and 1.")
    stamps, values = _read(Path(args.file), args.time_col, args.value_col)
    detector = StreamingDetector()
    scores = detector.score_series(stamps.to_numpy(), values.to_numpy())
    if args.scores:
        out = pd.DataFrame({"timestamp": stamps.astype(str), "anomaly_score": scores.round(6)})
        try:
            out.to_csv(args.scores, index=False)
        except OSError as error:
            raise UserError(f"I can't write {args.scores}: {error.strerror}.") from None
    hits = np.flatnonzero(scores >= args.threshold)
    anomalies: list[dict[str, str | float]] = [
        {
            "timestamp": str(stamps.iloc[i]),
            "value": float(values.iloc[i]),
            "score": round(float(scores[i]), 4),
        }
        for i in hits
    ]
    warmup = Warmup(rows=len(scores), unscored=detector.warmup_rows, full=detector.full_rows)
    if args.json:
        payload = {
            "anomalies": anomalies,
            "rows": len(scores),
            "warmup_rows": min(warmup.unscored, len(scores)),
            "scored_rows": warmup.scored,
        }
        print(json.dumps(payload, indent=2))
    else:
        _render(anomalies, warmup, args.threshold)
    return 0


@dataclass(frozen=True)
class Warmup:
    """How much of a file the streaming detector could judge."""

    rows: int
    unscored: int  # the first rows, history only
    full: int  # before this row only values outside the range seen so far can score

    @property
    def scored(self) -> int:
        return max(0, self.rows - self.unscored)

    def words(self) -> str:
        if not self.scored:
            return (
                f"Nothing scored: the detector learns what is normal from the first "
                f"{self.unscored} rows and scores the rows after them; this file has {self.rows}."
                " For the warehouse's daily KPIs ask Scout instead (\"anything unusual last "
                'month?"): each day is judged against its weekday pattern and holidays.'
            )
        partial = (
            f"; until row {self.full} only values outside the range seen so far can score"
            if self.rows < self.full
            else ""
        )
        return f"rows 1–{self.unscored} are the detector's warm-up and are not scored{partial}"


def _read(path: Path, time_col: str, value_col: str) -> tuple[pd.Series, pd.Series]:
    if not path.is_file():
        raise UserError(f"I can't find the file {path}.")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UserError(f"I can't read {path} as CSV: {error}") from None
    missing = [c for c in (time_col, value_col) if c not in frame.columns]
    if missing:
        raise UserError(
            f"{path.name} has no column {', '.join(repr(c) for c in missing)}.",
            hint="Columns: " + ", ".join(map(str, frame.columns)),
        )
    try:
        stamps = pd.to_datetime(frame[time_col], format="mixed")
    except (ValueError, TypeError):
        raise UserError(
            f"Some values in '{time_col}' are not timestamps.",
            hint="Use ISO times such as 2025-12-01 14:05:00.",
        ) from None
    values = pd.to_numeric(frame[value_col], errors="coerce")
    bad = int(values.isna().sum() - frame[value_col].isna().sum())
    if bad:
        raise UserError(f"{bad} value(s) in '{value_col}' are not numbers.")
    if stamps.isna().any():
        raise UserError(f"'{time_col}' has empty timestamps.")
    order = np.argsort(stamps.to_numpy(), kind="stable")
    return stamps.iloc[order].reset_index(drop=True), values.iloc[order].reset_index(drop=True)


def _render(anomalies: list[dict[str, str | float]], warmup: Warmup, threshold: float) -> None:
    console = Console()
    if not warmup.scored:
        console.print(warmup.words())
        return
    if not anomalies:
        console.print(
            f"No anomalies at threshold {threshold:g} in the {warmup.scored} rows scored "
            f"({warmup.words()})."
        )
        return
    table = Table(
        title=f"{len(anomalies)} anomalies in {warmup.scored} rows scored "
        f"(score >= {threshold:g}; {warmup.words()})"
    )
    table.add_column("timestamp")
    table.add_column("value", justify="right")
    table.add_column("score", justify="right")
    for a in anomalies:
        table.add_row(str(a["timestamp"]), f"{a['value']:,.4g}", f"{a['score']:.3f}")
    console.print(table)
