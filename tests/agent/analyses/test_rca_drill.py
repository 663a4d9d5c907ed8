"""Drill-down: a parent whose whole change sits in one child gives way to it; a spread one stays."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from agent.analyses.rca import SearchParams, explain_ratio_change
from agent.analyses.rca.cuboids import build_lattice
from agent.analyses.rca.drill import drill_down
from agent.analyses.stats import two_proportion_p

DIMS = ["region", "channel", "customer_type"]
NEW_A = {"channel": "a", "customer_type": "new"}


def _leaves(seed: int = 7) -> pd.DataFrame:
    """Sessions and conversions per leaf, two periods, one stable rate per customer type."""
    rng = np.random.default_rng(seed)
    rows = list(itertools.product(["NE", "S", "W", "MW"], list("abcd"), ["new", "returning"]))
    df = pd.DataFrame(rows, columns=DIMS)
    n = len(df)
    rate = np.where(df.customer_type == "new", 0.03, 0.05)
    df["sessions_b"] = rng.integers(4000, 6000, n).astype(float)
    df["sessions_c"] = rng.integers(4000, 6000, n).astype(float)
    df["orders_b"] = rng.binomial(df.sessions_b.astype(int), rate).astype(float)
    df["orders_c"] = rng.binomial(df.sessions_c.astype(int), rate).astype(float)
    return df


def _drop(df: pd.DataFrame, where: dict[str, str], factor: float) -> pd.DataFrame:
    hit = np.ones(len(df), dtype=bool)
    for dim, value in where.items():
        hit &= (df[dim] == value).to_numpy()
    out = df.copy()
    out.loc[hit, "orders_c"] = np.round(out.loc[hit, "orders_c"] * factor)
    return out


def _drill(df: pd.DataFrame, where: dict[str, str]) -> dict[str, str]:
    """drill_down from `where`, with the rate residual and the counts test the engine uses."""
    lattice = build_lattice(df, DIMS)
    nb, db, nc, dc = (
        df[c].to_numpy(float) for c in ["orders_b", "sessions_b", "orders_c", "sessions_c"]
    )
    expected = dc * nb / db  # each leaf at its own baseline rate

    def quiet(rest: np.ndarray) -> bool:
        sums = (nb[rest].sum(), db[rest].sum(), nc[rest].sum(), dc[rest].sum())
        return two_proportion_p(*map(float, sums)) >= 0.05

    return drill_down(lattice, where, nc, expected, quiet, share=0.8, max_dims=3)


def test_a_child_that_carries_the_parents_whole_drop_replaces_the_parent() -> None:
    df = _drop(_leaves(), NEW_A, 0.5)
    assert _drill(df, {"channel": "a"}) == NEW_A
    # The child already holds it all: nothing below it carries 80% with a quiet rest.
    assert _drill(df, NEW_A) == NEW_A


def test_a_drop_spread_over_all_children_keeps_the_parent() -> None:
    df = _drop(_leaves(), {"channel": "a"}, 0.6)
    assert _drill(df, {"channel": "a"}) == {"channel": "a"}


def test_a_big_child_whose_siblings_dropped_too_keeps_the_parent() -> None:
    # 'new' holds most of channel a's conversions here, so it carries most of a spread drop,
    # but the returning rest fell as much: the ripple effect says parent.
    df = _leaves()
    rets = (df.channel == "a") & (df.customer_type == "returning")
    df.loc[rets, ["sessions_b", "sessions_c"]] /= 8
    df.loc[rets, ["orders_b", "orders_c"]] = np.round(df.loc[rets, ["orders_b", "orders_c"]] / 8)
    df = _drop(df, {"channel": "a"}, 0.6)
    a = df[df.channel == "a"]
    deviation = a.orders_c - a.sessions_c * a.orders_b / a.sessions_b
    assert deviation[a.customer_type == "new"].sum() / deviation.sum() >= 0.8  # share alone: child
    assert _drill(df, {"channel": "a"}) == {"channel": "a"}


@pytest.mark.parametrize(
    ("where", "factor", "expected"),
    [(NEW_A, 0.5, NEW_A), ({"channel": "a"}, 0.6, {"channel": "a"})],
)
def test_the_engine_returns_the_child_or_the_parent(
    where: dict[str, str], factor: float, expected: dict[str, str]
) -> None:
    df = _drop(_leaves(seed=11), where, factor)
    result = explain_ratio_change(
        df,
        DIMS,
        num_base="orders_b",
        den_base="sessions_b",
        num_cur="orders_c",
        den_cur="sessions_c",
    )
    assert dict(result.root_causes[0].where) == expected
    # Without the drill-down the answer is never deeper than with it.
    plain = explain_ratio_change(
        df,
        DIMS,
        num_base="orders_b",
        den_base="sessions_b",
        num_cur="orders_c",
        den_cur="sessions_c",
        params=SearchParams(drill_share=None),
    )
    assert len(plain.root_causes[0].where) <= len(expected)
    assert set(plain.root_causes[0].where.items()) <= set(expected.items())
