"""How forecast_check words and draws its answer: the summary sentence and the two charts."""

from __future__ import annotations

import math

import pandas as pd

from agent.analyses.forecast_stats import Drift, bias
from agent.domain import ChartSpec, Evidence, Finding, FindingKind, Series, Table, Window


def side_bias(daily: pd.DataFrame, drift: Drift | None, *, after: bool) -> float | None:
    """Σ(forecast − actual) / Σ actual on one side of the drift start."""
    if drift is None:
        return None
    side = daily[(daily["day"] >= drift.start) == after]
    return bias(float(side["forecast_units"].sum()), float(side["actual_units"].sum()))


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 100:.1f}%"


def summary_text(
    window: Window,
    headline: float,
    overall: pd.Series,
    worst: pd.Series,
    drift: Drift | None,
    daily: pd.DataFrame,
    offenders: pd.DataFrame,
) -> str:
    text = (
        f"In {window.describe()} the legacy forecast was off by {_pct(headline)} of units sold "
        f"(WAPE), {overall['direction']} overall "
        f"(bias {float(overall['bias']) * 100:+.1f}%). "
        f"Worst category (largest systematic error): {worst['category']}, WAPE {_pct(float(worst['wape']))}, "
        f"{worst['direction']} (bias {float(worst['bias']) * 100:+.1f}%)"
    )
    if drift is not None and drift.significant:
        before = side_bias(daily, drift, after=False) or math.nan
        after = side_bias(daily, drift, after=True) or math.nan
        text += (
            f"; its bias shifted from {before * 100:+.1f}% to {after * 100:+.1f}% "
            f"starting {drift.start:%b %-d}"
        )
    elif drift is not None:
        text += "; no clear start date for its bias (no single shift stands out from the noise)"
    top = offenders.head(3)
    names = ", ".join(
        f"{r['product_id']} ({r['category']}, {float(r['bias']) * 100:+.0f}%)"
        for _, r in top.iterrows()
    )
    text += f". Biggest misses in units: {names}."
    base, legacy = float(worst["baseline_wape"]), float(worst["legacy_wape_compared"])
    if not math.isnan(base):
        better = "would cut" if base < legacy else "would not beat"
        text += (
            f" A same-weekday 4-week average {better} the error in {worst['category']} "
            f"({_pct(legacy)} → {_pct(base)}); overall {_pct(float(overall['legacy_wape_compared']))}"
            f" → {_pct(float(overall['baseline_wape']))}."
        )
    return text


def drift_chart(category: str, daily: pd.DataFrame, drift: Drift | None) -> ChartSpec:
    marked = (drift.start,) if drift is not None and drift.significant else ()
    return ChartSpec(
        kind="line",
        title=f"Daily forecast bias, {category}",
        subtitle=f"bias shift starts {drift.start:%b %-d}"
        if marked and drift
        else "no clear shift",
        series=(
            Series(
                name="bias (forecast/actual − 1)",
                x=tuple(daily["day"]),
                y=tuple(float(b) for b in daily["bias"]),
            ),
        ),
        y_label="Bias",
        unit="percent",
        highlight=marked,
    )


def baseline_finding(
    window: Window, categories: pd.DataFrame, overall: pd.Series, evidence: Evidence
) -> Finding:
    ordered = categories.sort_values("category", kind="stable")
    gain = float(overall["legacy_wape_compared"]) - float(overall["baseline_wape"])
    return Finding(
        kind=FindingKind.FORECAST_BASELINE,
        title=f"Legacy forecast vs a seasonal baseline, {window.describe()}",
        summary=(
            f"On the same days, a same-weekday 4-week average of actual units scores WAPE "
            f"{_pct(float(overall['baseline_wape']))} against the legacy forecast's "
            f"{_pct(float(overall['legacy_wape_compared']))} "
            f"({'better' if gain > 0 else 'worse'} by {abs(gain) * 100:.1f} points)."
        ),
        facts={
            "legacy_wape": float(overall["legacy_wape_compared"]),
            "baseline_wape": float(overall["baseline_wape"]),
            "improvement_points": gain,
        },
        table=Table(
            columns=("category", "legacy_wape", "baseline_wape"),
            rows=tuple(
                (r["category"], float(r["legacy_wape_compared"]), float(r["baseline_wape"]))
                for _, r in ordered.iterrows()
            ),
        ),
        evidence=(evidence,),
        confidence=0.85,
        chart=ChartSpec(
            kind="grouped_bar",
            title="Forecast error (WAPE): legacy vs seasonal baseline",
            subtitle=window.describe(),
            series=(
                Series(
                    name="legacy",
                    x=tuple(ordered["category"]),
                    y=tuple(float(v) for v in ordered["legacy_wape_compared"]),
                ),
                Series(
                    name="baseline",
                    x=tuple(ordered["category"]),
                    y=tuple(float(v) for v in ordered["baseline_wape"]),
                ),
            ),
            y_label="WAPE",
            unit="percent",
            highlight=(str(categories.iloc[0]["category"]),),
        ),
    )
