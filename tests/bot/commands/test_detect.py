"""`scout detect FILE.csv`: scores every row, reports the spike, explains bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.cli import main
from tests.conftest import SEED


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(SEED)
    n = 1500
    stamps = pd.date_range("2025-01-01", periods=n, freq="5min")
    values = 50 + 10 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.normal(0, 1.0, n)
    values[1200] += 40
    path = tmp_path / "series.csv"
    # Rows shuffled: the command must sort by time before scoring.
    order = rng.permutation(n)
    pd.DataFrame({"ts": stamps[order].astype(str), "v": values[order]}).to_csv(path, index=False)
    return path


def test_json_reports_the_spike_and_scores_file_has_every_row(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.csv"
    code = main(
        [
            "detect",
            str(series_csv),
            "--time-col",
            "ts",
            "--value-col",
            "v",
            "--scores",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows"] == 1500
    first = payload["anomalies"][0]
    assert first["timestamp"] in {"2025-01-05 04:00:00", "2025-01-05 04:05:00"}
    assert first["value"] > 80
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["timestamp", "anomaly_score"]
    assert len(scores) == 1500
    assert scores["timestamp"].iloc[0] == "2025-01-01 00:00:00"
    assert scores["anomaly_score"].between(0, 1).all()


def test_table_output(series_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", str(series_csv), "--time-col", "ts", "--value-col", "v"]) == 0
    assert "2025-01-05 04:0" in capsys.readouterr().out


def test_missing_column_is_a_friendly_error(
    series_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["detect", str(series_csv), "--time-col", "time", "--value-col", "v"]) == 2
    err = capsys.readouterr().err
    assert "no column 'time'" in err
    assert "ts" in err


def test_unparseable_times_are_a_friendly_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("ts,v\n2025-01-01,1\nnot a time,2\n")
    assert main(["detect", str(path), "--time-col", "ts", "--value-col", "v"]) == 2
    assert "not timestamps" in capsys.readouterr().err


def _daily(tmp_path: Path, n: int, spike: int) -> Path:
    rng = np.random.default_rng(SEED)
    values = rng.normal(100, 5, n)
    values[spike] = 200  # twenty sigmas
    path = tmp_path / f"daily{n}.csv"
    pd.DataFrame({"day": pd.date_range("2026-01-01", periods=n), "v": values}).to_csv(path)
    return path


def test_a_file_within_the_warm_up_says_nothing_was_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two months of daily data: all of it is the detector's warm-up, so "no anomalies" would
    # be an all-clear on rows never judged.
    path = _daily(tmp_path, 60, spike=40)
    assert main(["detect", str(path), "--time-col", "day", "--value-col", "v"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("Nothing scored: the detector learns what is normal from the first 150")
    assert "this file has 60" in out and "No anomalies" not in out
    assert main(["detect", str(path), "--time-col", "day", "--value-col", "v", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["rows"], payload["warmup_rows"], payload["scored_rows"]) == (60, 60, 0)


def test_no_anomalies_counts_only_the_rows_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The spike sits in the warm-up: unscored, and the answer says which rows were judged.
    path = _daily(tmp_path, 180, spike=100)
    assert main(["detect", str(path), "--time-col", "day", "--value-col", "v"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "in the 30 rows scored (rows 1–150 are the detector's warm-up" in out
    assert "until row 300 only values outside the range seen so far can score" in out
