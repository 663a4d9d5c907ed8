"""The root-cause engine against hand-computed cases and a few public benchmark cases."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agent.analyses.rca import NoiseModel, SearchParams, explain_change, explain_ratio_change
from agent.analyses.rca.decompose import ratio_parts
from agent.errors import UserError

SEED = 7


def _grid(**dims: list[str]) -> pd.DataFrame:
    rows = list(itertools.product(*dims.values()))
    return pd.DataFrame(rows, columns=list(dims))


def _noisy(df: pd.DataFrame, base: float, rel_noise: float, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = df.copy()
    out["expected"] = base * rng.uniform(0.5, 1.5, len(df)).round(3)
    out["actual"] = out["expected"] * (1 + rng.normal(0, rel_noise, len(df)))
    return out


def test_single_injected_drop_is_found_exactly_with_exact_shares() -> None:
    df = _noisy(_grid(region=["NE", "S", "W"], device=["mobile", "desktop", "tablet"]), 1000, 0.005)
    hit = (df.region == "NE") & (df.device == "mobile")
    df.loc[hit, "actual"] *= 0.4
    result = explain_change(df, ["region", "device"], baseline="expected", current="actual")
    assert [dict(rc.where) for rc in result.root_causes] == [{"region": "NE", "device": "mobile"}]
    rc = result.root_causes[0]
    total = df.actual.sum() - df.expected.sum()
    assert rc.baseline == pytest.approx(df.loc[hit, "expected"].sum(), abs=1e-9)
    assert rc.current == pytest.approx(df.loc[hit, "actual"].sum(), abs=1e-9)
    assert rc.explains == pytest.approx((rc.current - rc.baseline) / total, abs=1e-9)
    assert result.total_change == pytest.approx(total, abs=1e-9)
    assert result.explained == pytest.approx(rc.explains, abs=1e-12)
    assert 0.9 < rc.explains < 1.1


def test_a_drop_spread_over_a_parent_returns_the_parent_not_its_children() -> None:
    df = _noisy(
        _grid(region=["NE", "S", "W", "MW"], device=["m", "d", "t"], channel=list("abcde")),
        500,
        0.01,
    )
    df.loc[df.region == "NE", "actual"] *= 0.7
    result = explain_change(
        df, ["region", "device", "channel"], baseline="expected", current="actual"
    )
    assert [dict(rc.where) for rc in result.root_causes] == [{"region": "NE"}]


def test_several_causes_are_found_and_nothing_else() -> None:
    df = _noisy(
        _grid(region=["NE", "S", "W", "MW"], device=["m", "d", "t"], channel=list("abcde")),
        500,
        0.01,
    )
    df.loc[(df.region == "W") & (df.device == "m"), "actual"] *= 0.5
    df.loc[df.channel == "c", "actual"] *= 1.6
    result = explain_change(
        df, ["region", "device", "channel"], baseline="expected", current="actual", max_causes=5
    )
    found = {frozenset(rc.where.items()) for rc in result.root_causes}
    assert found == {
        frozenset({("region", "W"), ("device", "m")}),
        frozenset({("channel", "c")}),
    }


def test_pure_noise_is_within_normal_variation() -> None:
    df = _noisy(_grid(region=["NE", "S", "W", "MW"], device=["m", "d", "t"]), 1000, 0.01)
    history = tuple(np.random.default_rng(SEED + 1).normal(0, 0.03, 30))
    result = explain_change(
        df,
        ["region", "device"],
        baseline="expected",
        current="actual",
        noise=NoiseModel(history=history),
    )
    assert result.within_noise
    assert result.root_causes == ()
    assert "past changes" in result.noise_reason
    assert "within normal variation" in result.summary()
    # Without a noise model the engine still invents nothing.
    plain = explain_change(df, ["region", "device"], baseline="expected", current="actual")
    assert not plain.within_noise and plain.root_causes == ()


def test_a_big_change_is_not_noise_and_gets_a_cause() -> None:
    df = _noisy(_grid(region=["NE", "S", "W", "MW"], device=["m", "d", "t"]), 1000, 0.01)
    df.loc[df.region == "S", "actual"] *= 0.5
    result = explain_change(
        df,
        ["region", "device"],
        baseline="expected",
        current="actual",
        noise=NoiseModel(std_error=50.0),
    )
    assert not result.within_noise
    assert [dict(rc.where) for rc in result.root_causes] == [{"region": "S"}]
    assert result.confidence > 0.8


def _funnel(seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = _grid(
        region=["NE", "S", "W", "MW"], device=["mobile", "desktop", "tablet"], channel=list("abcd")
    )
    n = len(df)
    df["sessions_b"] = rng.integers(4000, 6000, n).astype(float)
    df["sessions_c"] = df["sessions_b"] * rng.uniform(0.97, 1.03, n)
    rate = np.where(df.device == "tablet", 0.01, 0.04)
    df["orders_b"] = rng.binomial(df["sessions_b"].astype(int), rate).astype(float)
    df["orders_c"] = rng.binomial(df["sessions_c"].astype(int), rate).astype(float)
    return df


def _ratio(df: pd.DataFrame, **kw: object):  # type: ignore[no-untyped-def]
    return explain_ratio_change(
        df,
        ["region", "device", "channel"],
        num_base="orders_b",
        den_base="sessions_b",
        num_cur="orders_c",
        den_cur="sessions_c",
        **kw,  # type: ignore[arg-type]
    )


def test_ratio_rate_drop_is_found_with_rate_and_mix_summing_to_its_contribution() -> None:
    df = _funnel()
    ne = df.region == "NE"
    df.loc[ne, "orders_c"] = np.round(df.loc[ne, "orders_c"] * 0.6)
    result = _ratio(df)
    assert result.kind == "ratio"
    top = result.root_causes[0]
    assert dict(top.where) == {"region": "NE"}
    assert top.rate_effect is not None and top.mix_effect is not None
    # Hand computation of the same segment.
    nb, db = df.loc[ne, "orders_b"].sum(), df.loc[ne, "sessions_b"].sum()
    nc, dc = df.loc[ne, "orders_c"].sum(), df.loc[ne, "sessions_c"].sum()
    nb_t, db_t, nc_t, dc_t = (
        df.orders_b.sum(),
        df.sessions_b.sum(),
        df.orders_c.sum(),
        df.sessions_c.sum(),
    )
    w_b, w_c, r_b, r_c = db / db_t, dc / dc_t, nb / db, nc / dc
    assert top.rate_effect == pytest.approx((w_b + w_c) / 2 * (r_c - r_b), abs=1e-12)
    assert top.mix_effect == pytest.approx((w_c - w_b) * ((r_b + r_c) / 2 - nb_t / db_t), abs=1e-12)
    change = nc_t / dc_t - nb_t / db_t
    assert top.explains * change == pytest.approx(top.rate_effect + top.mix_effect, abs=1e-12)
    assert top.rate_effect / change > 0.9  # the segment itself got worse
    assert result.significance["region=NE"] < 1e-6


@pytest.mark.parametrize("dim", ["region", "device", "channel"])
def test_contributions_over_a_partition_sum_to_the_total_change(dim: str) -> None:
    df = _funnel(seed=11)
    df.loc[df.device == "tablet", "sessions_c"] *= 3  # a mix shift as well
    totals = (df.orders_b.sum(), df.sessions_b.sum(), df.orders_c.sum(), df.sessions_c.sum())
    parts = [
        ratio_parts(
            g.orders_b.sum(),
            g.sessions_b.sum(),
            g.orders_c.sum(),
            g.sessions_c.sum(),
            totals=totals,
        )
        for _, g in df.groupby(dim)
    ]
    change = totals[2] / totals[3] - totals[0] / totals[1]
    assert sum(p.rate_effect + p.mix_effect for p in parts) == pytest.approx(change, abs=1e-12)


def test_traffic_shift_toward_a_weak_segment_is_a_mix_effect() -> None:
    df = _funnel()
    tab = df.device == "tablet"
    df.loc[tab, "sessions_c"] *= 3
    df.loc[tab, "orders_c"] = np.round(df.loc[tab, "orders_c"] * 3)
    result = _ratio(df)
    top = result.root_causes[0]
    assert dict(top.where) == {"device": "tablet"}
    assert top.mix_effect is not None and top.mix_effect < 0
    assert abs(top.mix_effect) > 5 * abs(top.rate_effect or 0)


def test_ratio_noise_only_is_within_noise_by_the_count_test() -> None:
    result = _ratio(_funnel(seed=3))
    assert result.within_noise, result.noise_reason
    assert result.root_causes == ()


def test_bad_input_is_a_user_error() -> None:
    df = _grid(region=["a", "b"])
    df["x"] = 1.0
    with pytest.raises(UserError, match="Missing column"):
        explain_change(df, ["region"], baseline="x", current="nope")


def _rca_data() -> Path:
    env = os.environ.get("SCOUT_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[3].parent / "shared" / "data"
    return base / "rca" / "squeeze_B0"


@pytest.mark.skipif(not _rca_data().exists(), reason="../shared/data/rca (Squeeze B0) is absent")
@pytest.mark.parametrize(
    "setting", ["B_cuboid_layer_1_n_ele_1", "B_cuboid_layer_2_n_ele_2", "B_cuboid_layer_3_n_ele_3"]
)
def test_squeeze_b0_cases_are_localised_exactly(setting: str) -> None:
    folder = _rca_data() / setting
    path = sorted(folder.glob("*.csv.gz"))[0]
    info = pd.read_csv(folder / "injection_info.csv")
    label = info.loc[info.timestamp.astype(str) == path.name.split(".")[0], "set"].iloc[0]
    truth = {frozenset(e.split("&")) for e in label.split(";")}
    df = pd.read_csv(path)
    result = explain_change(
        df,
        ["a", "b", "c", "d"],
        baseline="predict",
        current="real",
        max_causes=5,
        params=SearchParams.for_forecast(),
    )
    assert {
        frozenset(f"{k}={v}" for k, v in rc.where.items()) for rc in result.root_causes
    } == truth
