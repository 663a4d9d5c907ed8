"""The one root-cause policy (explain/verdict.py): every door gets the same answer from it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agent.analyses.explain.verdict import Against, explain_leaves
from bot.cli import main

PAIR = ("numerator", "denominator")


def _forecast_leaves() -> pd.DataFrame:
    """Ten regions on forecast, except R1 (50% over it) and R0 (30% under it)."""
    rng = np.random.default_rng(3)
    rows = list(itertools.product([f"R{i}" for i in range(10)], ["m", "d", "t"]))
    df = pd.DataFrame(rows, columns=["region", "device"])
    df["value_base"] = rng.uniform(900, 1100, len(df)).round(2)
    factor = df.region.map({"R0": 0.7, "R1": 1.5}).fillna(1.0)
    df["value_cur"] = (df.value_base * factor * rng.normal(1, 0.002, len(df))).round(2)
    return df


def test_against_a_forecast_a_cause_against_the_total_is_kept() -> None:
    leaves = _forecast_leaves()
    dims = ["region", "device"]
    judged = explain_leaves(leaves, dims, ("value",), against=Against.FORECAST).result
    assert judged.total_change > 0
    causes = {rc.where["region"]: rc.explains for rc in judged.root_causes}
    assert set(causes) == {"R0", "R1"} and causes["R0"] < 0 < causes["R1"]
    # Between periods R0 is an offset of the rise, not its reason.
    periods = explain_leaves(leaves, dims, ("value",), against=Against.PERIODS).result
    assert [rc.where for rc in periods.root_causes] == [{"region": "R1"}]


def _ratio_leaves(cdn: list[int] | list[str]) -> pd.DataFrame:
    """Conversions out of sessions by a numeric dimension; cdn 3 halves its rate."""
    rng = np.random.default_rng(11)
    df = pd.DataFrame(list(itertools.product(cdn, [0, 1])), columns=["cdn", "p2p"])
    for period in ("base", "cur"):
        df[f"denominator_{period}"] = rng.integers(4000, 6000, len(df)).astype(float)
        rate = np.where((df.cdn.astype(str) == "3") & (period == "cur"), 0.02, 0.04)
        df[f"numerator_{period}"] = rng.binomial(
            df[f"denominator_{period}"].astype(int), rate
        ).astype(float)
    return df


def test_numeric_dimensions_are_judged_on_the_segments_the_engine_names() -> None:
    as_numbers = _ratio_leaves([1, 2, 3, 4])
    as_text = _ratio_leaves(["1", "2", "3", "4"])
    dims = ["cdn", "p2p"]
    by_number = explain_leaves(as_numbers, dims, PAIR, against=Against.PERIODS, proportion=True)
    by_text = explain_leaves(as_text, dims, PAIR, against=Against.PERIODS, proportion=True)
    assert by_number.result.root_causes[0].where == {"cdn": "3"}
    # The segment's own test sees its rows (a p-value of 1 meant it selected none).
    assert by_number.result.significance["cdn=3"] < 1e-4
    assert by_number.result.to_json() == by_text.result.to_json()


def test_scout_explain_on_a_csv_answers_what_the_policy_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaves = _ratio_leaves([1, 2, 3, 4])
    rows = [
        leaves[["cdn", "p2p"]].assign(
            week=period, orders=leaves[f"numerator_{key}"], sessions=leaves[f"denominator_{key}"]
        )
        for period, key in (("w1", "base"), ("w2", "cur"))
    ]
    path = tmp_path / "periods.csv"
    pd.concat(rows).to_csv(path, index=False)
    periods = ["--period-col", "week", "--baseline", "w1", "--current", "w2"]
    ratio = ["--measure", "orders", "--per", "sessions"]
    code = main(["explain", str(path), "--dims", "cdn,p2p", *periods, *ratio, "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    direct = explain_leaves(leaves, ["cdn", "p2p"], PAIR, against=Against.PERIODS, proportion=True)
    expected = json.loads(json.dumps(direct.result.to_json()))
    assert out == expected


def test_fractional_counts_below_one_event_are_not_a_test() -> None:
    """A baseline averaged over periods can hold a quarter of an event; nothing to test there."""
    df = pd.DataFrame(
        list(itertools.product(["a", "b", "c"], ["x", "y"])), columns=["one", "two"]
    ).assign(numerator_base=0.25, denominator_base=10.0, numerator_cur=0.0, denominator_cur=10.0)
    judged = explain_leaves(df, ("one", "two"), PAIR, against=Against.PERIODS, proportion=True)
    assert not judged.result.root_causes and not judged.result.tests
