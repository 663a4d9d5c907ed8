"""The churn benchmarks' baselines and labels, on data small enough to work out by hand:
the RFM-cell prediction of CDNOW's hold-out purchases, and Online Retail's repeat buyers
and their 'no purchase in the next 90 days' label read from the orders."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from agent.warehouse import DuckDBWarehouse
from bench.churn_benchmark import HOLDOUT_START, RFM_SPLIT, rfm_cells
from bench.churn_real import REPEAT_BUYERS_SQL, RETAIL_LABEL_DAYS, no_purchase_after


def _weekly_buyers(ids: range, every_days: int, first: str) -> list[dict[str, object]]:
    """Customers buying every `every_days` from `first` to the hold-out start, $10 a day."""
    days = pd.date_range(first, pd.Timestamp(HOLDOUT_START) - pd.Timedelta(days=1))
    return [{"id": i, "date": d, "dollars": 10.0} for i in ids for d in days[::every_days]]


def test_rfm_cells_predict_each_cell_at_the_rate_it_bought_after_the_earlier_cut_off() -> None:
    # Two groups of 25 that differ in recency and frequency, so they fall in two cells of
    # 25 (spend is the same for all, so one monetary half): weekly buyers and buyers who
    # stopped after two purchases in January.
    steady = _weekly_buyers(range(25), 7, "1997-01-02")
    gone = [
        {"id": i, "date": pd.Timestamp(d), "dollars": 10.0}
        for i in range(25, 50)
        for d in ("1997-01-03", "1997-01-20")
    ]
    calibration = pd.DataFrame(steady + gone)
    predicted = rfm_cells(calibration, pd.Index(range(50)))
    # By hand: the weekly buyers' purchases between the split and the hold-out start, per
    # week of that stretch, times the 39 hold-out weeks; the others bought nothing then.
    stretch = (pd.Timestamp(HOLDOUT_START) - pd.Timestamp(RFM_SPLIT)).days
    after = [
        d
        for d in pd.date_range("1997-01-02", pd.Timestamp(HOLDOUT_START) - pd.Timedelta(days=1))[
            ::7
        ]
        if d >= pd.Timestamp(RFM_SPLIT)
    ]
    expected_steady = len(after) / (stretch / 7) * 39
    assert np.allclose(predicted[:25], expected_steady)
    assert np.allclose(predicted[25:], 0.0)


def test_repeat_buyers_and_the_label_come_from_every_order_before_and_after_the_cut_off(
    tmp_path: Path,
) -> None:
    cutoff = date(2011, 9, 10)
    orders = pd.DataFrame(
        [
            # Two orders long before Scout's year: a repeat buyer who has not come back.
            ("A", cutoff - timedelta(days=600)),
            ("A", cutoff - timedelta(days=500)),
            # Two orders, one back on day 89 after the cut-off: not churned.
            ("B", cutoff - timedelta(days=40)),
            ("B", cutoff - timedelta(days=10)),
            ("B", cutoff + timedelta(days=RETAIL_LABEL_DAYS - 1)),
            # Back only on day 90, outside the window: churned.
            ("C", cutoff - timedelta(days=70)),
            ("C", cutoff - timedelta(days=5)),
            ("C", cutoff + timedelta(days=RETAIL_LABEL_DAYS)),
            # One order: not a repeat buyer.
            ("D", cutoff - timedelta(days=3)),
        ],
        columns=["customer_id", "order_date"],
    )
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.register("frame", orders)
    con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    con.close()
    warehouse = DuckDBWarehouse(path)
    try:
        repeat = sorted(warehouse.query(REPEAT_BUYERS_SQL, {"cutoff": cutoff})["customer_id"])
        label = no_purchase_after(
            warehouse, cutoff, RETAIL_LABEL_DAYS, pd.Index(["A", "B", "C", "D"])
        )
    finally:
        warehouse.close()
    assert repeat == ["A", "B", "C"]
    assert label.tolist() == [1, 0, 1, 1]
