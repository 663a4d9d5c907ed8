"""ChartSpec → PNG bytes with matplotlib's Agg canvas (no pyplot, no display, thread-safe use).

Charts are made to be read in a Slack thread at thumbnail size (~360 px wide): few ticks,
large type, units on the axis, and the thing that matters (the anomaly, the segment that
moved) in a strong colour while everything else stays muted.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from agent.act.redact import clean_text
from agent.domain import ChartSpec, Series

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 120  # 960 × 540 px: crisp in a thread, legible shrunk
MAX_CATEGORIES = 20
MAIN = "#1f5fa8"
MUTED = "#9db4cf"
HIGHLIGHT = "#d6452b"
UP, DOWN, TOTAL = "#2e8b57", "#d6452b", "#5b7083"
GREY = "#6b6b6b"
CURRENCY = {"$": "$", "usd": "$", "eur": "€", "€": "€", "gbp": "£", "£": "£"}
PERCENT = {"%", "pct", "percent", "rate"}


def render_chart(spec: ChartSpec) -> bytes:
    """Draw `spec` and return the PNG bytes (a 'no data' card when nothing can be drawn)."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    # A PNG leaves Scout like any message: its titles are cleaned here too (idempotent, so
    # a spec already cleaned by `clean_finding` is unchanged).
    title, subtitle = clean_text(spec.title), clean_text(spec.subtitle)
    fraction = _is_fraction(spec)
    if not _has_data(spec.series):
        ax.axis("off")
        ax.text(0.5, 0.5, "No data to chart", ha="center", va="center", fontsize=16, color=GREY)
    else:
        match spec.kind:
            case "line":
                _line(ax, spec, fraction)
            case "bar" | "barh":
                subtitle = _bars(ax, spec, fraction, horizontal=spec.kind == "barh") or subtitle
            case "grouped_bar":
                subtitle = _grouped(ax, spec, fraction) or subtitle
            case "waterfall":
                _waterfall(ax, spec, fraction)
        _style_axes(ax, spec, fraction)
    subtitle = clean_text(subtitle)
    _titles(fig, title, subtitle)
    buf = io.BytesIO()
    # The title is also text in the file, for screen readers and file viewers.
    metadata = {"Software": None, "Title": title, "Description": subtitle or None}
    fig.savefig(buf, format="png", dpi=DPI, metadata=metadata)
    return buf.getvalue()


# --------------------------------------------------------------------------- kinds


def _line(ax: Axes, spec: ChartSpec, fraction: bool) -> None:
    lows = [s for s in spec.series if s.style == "band_low"]
    highs = [s for s in spec.series if s.style == "band_high"]
    for low, high in zip(lows, highs, strict=False):
        xs = _xs(low.x)
        ax.fill_between(
            xs,
            _ys(low.y, fraction),
            _ys(high.y, fraction),
            color=MUTED,
            alpha=0.35,
            linewidth=0,
            label=_t(low.name or "expected range"),
        )
    main: Series | None = None
    for index, series in enumerate(s for s in spec.series if s.style in ("solid", "dashed")):
        dashed = series.style == "dashed"
        if not dashed and main is None:
            main = series
        ax.plot(
            _xs(series.x),
            _ys(series.y, fraction),
            color=GREY if dashed else (MAIN if index == 0 else f"C{index % 10}"),
            linestyle="--" if dashed else "-",
            linewidth=1.8 if dashed else 2.4,
            label=_t(series.name),
        )
    if main is not None and spec.highlight:
        wanted = {_key(h) for h in spec.highlight}
        points = [(x, y) for x, y in zip(main.x, main.y, strict=False) if _key(x) in wanted]
        points = [(x, y) for x, y in points if y is not None]
        if points:
            px = _xs([p[0] for p in points])
            py = _ys([p[1] for p in points], fraction)
            ax.scatter(px, py, s=90, color=HIGHLIGHT, zorder=5, label="flagged")
            ax.annotate(
                _t(_fmt(py[0], spec.unit, fraction)),
                (px[0], py[0]),
                textcoords="offset points",
                xytext=(0, 12),
                ha="center",
                fontsize=12,
                fontweight="bold",
                color=HIGHLIGHT,
            )
    if len(spec.series) > 1 or spec.highlight:
        ax.legend(fontsize=10, frameon=False, loc="best")


def _bars(ax: Axes, spec: ChartSpec, fraction: bool, *, horizontal: bool) -> str:
    series = spec.series[0]
    labels, values, note = _cap([_label(x) for x in series.x], _ys(series.y, fraction), spec)
    wanted = {_key(h) for h in spec.highlight}
    colours = [HIGHLIGHT if _key(lab) in wanted else (MUTED if wanted else MAIN) for lab in labels]
    positions = list(range(len(labels)))
    if horizontal:
        ax.barh(positions, values, color=colours)
        ax.set_yticks(positions, [_t(_short(lab)) for lab in labels], fontsize=11)
        ax.invert_yaxis()  # first category on top, as the analysis sorted it
    else:
        ax.bar(positions, values, color=colours)
        ax.set_xticks(positions, [_t(_short(lab)) for lab in labels], fontsize=11)
        if len(labels) > 6:
            for tick in ax.get_xticklabels():
                tick.set_rotation(30)
                tick.set_horizontalalignment("right")
    if len(labels) <= 12:
        _value_labels(ax, positions, values, spec.unit, fraction, horizontal=horizontal)
    return note


def _grouped(ax: Axes, spec: ChartSpec, fraction: bool) -> str:
    labels = [_label(x) for x in spec.series[0].x]
    note = ""
    if len(labels) > MAX_CATEGORIES:
        note = _join(spec.subtitle, f"top {MAX_CATEGORIES} of {len(labels)}")
        labels = labels[:MAX_CATEGORIES]
    count = len(spec.series)
    width = 0.8 / max(count, 1)
    for index, series in enumerate(spec.series):
        values = _ys(series.y, fraction)[: len(labels)]
        positions = [i - 0.4 + width * (index + 0.5) for i in range(len(values))]
        colour = MUTED if count == 2 and index == 0 else (MAIN if count == 2 else f"C{index}")
        ax.bar(positions, values, width=width * 0.95, color=colour, label=_t(series.name))
    ax.set_xticks(range(len(labels)), [_t(_short(lab)) for lab in labels], fontsize=11)
    wanted = {_key(h) for h in spec.highlight}
    for i, tick in enumerate(ax.get_xticklabels()):
        if _key(labels[i]) in wanted:
            tick.set_color(HIGHLIGHT)
            tick.set_fontweight("bold")
            ax.axvspan(i - 0.5, i + 0.5, color=HIGHLIGHT, alpha=0.08, linewidth=0)
    if len(labels) > 6:
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")
    ax.legend(fontsize=10, frameon=False)
    return note


def _waterfall(ax: Axes, spec: ChartSpec, fraction: bool) -> None:
    """Baseline → contributions → current when the ends are totals; else cumulative steps."""
    series = spec.series[0]
    labels = [_label(x) for x in series.x]
    values = [0.0 if math.isnan(v) else v for v in _ys(series.y, fraction)]
    ends_are_totals = len(values) >= 3 and math.isclose(
        values[0] + sum(values[1:-1]), values[-1], rel_tol=1e-6, abs_tol=1e-9
    )
    wanted = {_key(h) for h in spec.highlight}
    running = 0.0
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        total = ends_are_totals and i in (0, len(values) - 1)
        if total:
            bottom, height, colour = 0.0, value, TOTAL
            running = value
        else:
            bottom, height = running, value
            colour = UP if value >= 0 else DOWN
            running += value
        highlighted = _key(label) in wanted
        ax.bar(
            i,
            height,
            bottom=bottom,
            color=colour,
            edgecolor="black" if highlighted else colour,
            linewidth=2.0 if highlighted else 0.5,
        )
        sign = "" if total or value < 0 else "+"
        ax.annotate(
            _t(sign + _fmt(value, spec.unit, fraction)),
            (i, bottom + height),
            textcoords="offset points",
            xytext=(0, 4 if height >= 0 else -14),
            ha="center",
            fontsize=10,
            fontweight="bold" if highlighted else "normal",
        )
        if i < len(values) - 1:
            ax.plot([i + 0.4, i + 0.6], [running, running], color=GREY, linewidth=0.8)
    ax.set_xticks(range(len(labels)), [_t(_short(lab)) for lab in labels], fontsize=10)
    if len(labels) > 5:
        for tick in ax.get_xticklabels():
            tick.set_rotation(25)
            tick.set_horizontalalignment("right")
    ax.axhline(0, color=GREY, linewidth=0.8)


# --------------------------------------------------------------------------- styling


def _style_axes(ax: Axes, spec: ChartSpec, fraction: bool) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=11)
    value_axis = ax.xaxis if spec.kind == "barh" else ax.yaxis
    value_axis.set_major_formatter(
        FuncFormatter(lambda v, _pos: _t(_fmt(v, spec.unit, fraction, compact=True)))
    )
    value_axis.set_major_locator(MaxNLocator(nbins=5))
    ax.grid(True, axis="x" if spec.kind == "barh" else "y", alpha=0.3)
    unit = _unit_label(spec.unit, fraction)
    value_label = spec.y_label + (f" ({unit})" if unit and unit not in spec.y_label else "")
    if spec.kind == "barh":
        ax.set_xlabel(_t(value_label), fontsize=12)
        ax.set_ylabel(_t(spec.x_label), fontsize=12)
    else:
        ax.set_ylabel(_t(value_label), fontsize=12)
        ax.set_xlabel(_t(spec.x_label), fontsize=12)
    if spec.kind == "line" and spec.series and _are_dates(spec.series[0].x):
        locator = AutoDateLocator(maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _titles(fig: Figure, title: str, subtitle: str) -> None:
    fig.text(0.02, 0.965, _t(title), fontsize=16, fontweight="bold", va="top", ha="left")
    top = 0.89
    if subtitle:
        fig.text(0.02, 0.885, _t(subtitle), fontsize=11, color=GREY, va="top", ha="left")
        top = 0.83
    fig.tight_layout(rect=(0.0, 0.0, 1.0, top))


def _value_labels(
    ax: Axes,
    positions: Sequence[int],
    values: Sequence[float],
    unit: str,
    fraction: bool,
    *,
    horizontal: bool,
) -> None:
    for pos, value in zip(positions, values, strict=True):
        if math.isnan(value):
            continue
        text = _t(_fmt(value, unit, fraction))
        if horizontal:
            ax.annotate(
                text,
                (value, pos),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=10,
            )
        else:
            ax.annotate(
                text,
                (pos, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=10,
            )


# --------------------------------------------------------------------------- values


def _fmt(value: float, unit: str, fraction: bool, *, compact: bool = False) -> str:
    """A number as a person reads it: $1.2M, 3.1%, 12.4k orders."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    key = unit.strip().lower()
    if key in PERCENT:
        return f"{value:.1f}%" if fraction or key == "%" else f"{value:.1f}"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= threshold:
            number = f"{magnitude / threshold:.1f}".removesuffix(".0") + suffix
            break
    else:
        if magnitude >= 100 or magnitude == int(magnitude):
            number = f"{magnitude:,.0f}"
        else:
            number = f"{magnitude:.2f}" if magnitude < 10 else f"{magnitude:.1f}"
    if key in CURRENCY:
        return f"{sign}{CURRENCY[key]}{number}"
    if unit and not compact:
        return f"{sign}{number} {unit}"
    return f"{sign}{number}"


def _unit_label(unit: str, fraction: bool) -> str:
    key = unit.strip().lower()
    if key in PERCENT:
        return "%"
    return CURRENCY.get(key, unit)


def _is_fraction(spec: ChartSpec) -> bool:
    """Rates arrive as fractions (0.031); shown as percent (3.1%)."""
    if spec.unit.strip().lower() not in PERCENT:
        return False
    values = [y for s in spec.series for y in s.y if y is not None and not math.isnan(y)]
    return bool(values) and all(abs(v) <= 1.0 for v in values)


def _ys(values: Sequence[float | None], fraction: bool) -> list[float]:
    scale = 100.0 if fraction else 1.0
    return [math.nan if v is None else float(v) * scale for v in values]


def _xs(values: Sequence[Any]) -> list[Any]:
    if _are_dates(values):
        return [_as_datetime(v) for v in values]
    return list(values)


def _are_dates(values: Sequence[Any]) -> bool:
    if not values:
        return False
    for v in values:
        if isinstance(v, date):
            continue
        if isinstance(v, str):
            try:
                date.fromisoformat(v[:10])
                continue
            except ValueError:
                return False
        return False
    return True


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value)[:10])


def _key(value: Any) -> str:
    """Highlight matching that ignores the type: date(2025,12,1) == '2025-12-01'."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _label(value: Any) -> str:
    return _key(value)


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _t(text: str) -> str:
    """Escape mathtext: '$1.2M vs $1.4M' is money, not a formula."""
    return text.replace("$", r"\$")


def _cap(
    labels: list[str], values: list[float], spec: ChartSpec
) -> tuple[list[str], list[float], str]:
    if len(labels) <= MAX_CATEGORIES:
        return labels, values, ""
    note = _join(spec.subtitle, f"top {MAX_CATEGORIES} of {len(labels)}")
    return labels[:MAX_CATEGORIES], values[:MAX_CATEGORIES], note


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _has_data(series: Sequence[Series]) -> bool:
    return any(
        y is not None and not (isinstance(y, float) and math.isnan(y)) for s in series for y in s.y
    )
