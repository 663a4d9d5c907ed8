"""Charts: every kind renders a valid PNG of the expected size; highlights and units show."""

from __future__ import annotations

import struct
from datetime import date, timedelta
from typing import Literal

import pytest

from agent.domain import ChartSpec, Series
from bot.charts import DPI, HEIGHT_IN, WIDTH_IN, _fmt, render_chart

Kind = Literal["line", "bar", "barh", "grouped_bar", "waterfall"]
DAYS = tuple(date(2025, 11, 15) + timedelta(days=i) for i in range(30))


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _spec(kind: Kind) -> ChartSpec:
    regions = ("Northeast", "South", "West", "Midwest")
    if kind == "line":
        values = tuple(0.031 - (0.008 if d == date(2025, 12, 1) else 0.0) for d in DAYS)
        return ChartSpec(
            kind="line",
            title="Conversion rate",
            unit="%",
            highlight=(date(2025, 12, 1),),
            series=(
                Series(name="low", x=DAYS, y=tuple(v - 0.002 for v in values), style="band_low"),
                Series(name="high", x=DAYS, y=tuple(v + 0.002 for v in values), style="band_high"),
                Series(name="conversion", x=DAYS, y=values),
                Series(name="expected", x=DAYS, y=(0.031,) * 30, style="dashed"),
            ),
        )
    if kind == "grouped_bar":
        return ChartSpec(
            kind="grouped_bar",
            title="AOV by region",
            unit="$",
            highlight=("Northeast",),
            series=(
                Series(name="last week", x=regions, y=(52.0, 48.0, 50.0, 47.0)),
                Series(name="this week", x=regions, y=(41.0, 49.0, 51.0, 47.5)),
            ),
        )
    if kind == "waterfall":
        return ChartSpec(
            kind="waterfall",
            title="Why revenue fell",
            unit="$",
            highlight=("NE mobile",),
            series=(
                Series(
                    name="revenue",
                    x=("Last week", "NE mobile", "Other", "This week"),
                    y=(100_000.0, -18_000.0, -2_000.0, 80_000.0),
                ),
            ),
        )
    return ChartSpec(
        kind=kind,
        title="Revenue by region ($)",
        unit="$",
        highlight=("Northeast",),
        series=(Series(name="revenue", x=regions, y=(1.2e6, 2.3e6, 1.9e6, 8.7e5)),),
    )


@pytest.mark.parametrize("kind", ["line", "bar", "barh", "grouped_bar", "waterfall"])
def test_each_kind_renders_a_png_of_the_configured_size(kind: Kind) -> None:
    png = render_chart(_spec(kind))
    assert _png_size(png) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
    assert 5_000 < len(png) < 1_000_000  # something drawn, small enough for a thread


def test_highlight_changes_the_picture() -> None:
    plain = _spec("bar")
    assert render_chart(plain) != render_chart(ChartSpec(**{**plain.__dict__, "highlight": ()}))


def test_empty_and_gappy_series_do_not_crash() -> None:
    empty = ChartSpec(kind="line", title="Nothing yet", series=(Series(name="x", x=(), y=()),))
    gaps = ChartSpec(
        kind="bar", title="Gaps", series=(Series(name="x", x=("a", "b"), y=(None, 2.0)),)
    )
    many = ChartSpec(
        kind="barh",
        title="Many $ categories",
        series=(Series(name="x", x=tuple(f"c{i}" for i in range(60)), y=tuple(range(60))),),
    )
    for spec in (empty, gaps, many):
        _png_size(render_chart(spec))


def test_values_are_formatted_with_units() -> None:
    assert _fmt(1_234_567.0, "$", False) == "$1.2M"
    assert _fmt(-18_000.0, "$", False) == "-$18k"
    assert _fmt(3.14, "%", True) == "3.1%"
    assert _fmt(1500.0, "orders", False) == "1.5k orders"
    assert _fmt(12.0, "orders", False, compact=True) == "12"
