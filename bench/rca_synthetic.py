"""Root cause on generated leaves whose truth is known, through `scout explain FILE.csv`.

Each case is a CSV of two periods over four dimensions (5 × 4 × 3 × 6 = 360 leaves). A cause
case moves one segment of one, two or three dimension values by 30–60% (down or up), on top
of leaf noise; the rest of the data drifts by a common factor (a broad move of ±5% that no
segment should be blamed for). Two shapes:
- ratio: conversions out of sessions (`--measure conversions --per sessions`), binomial;
- additive: a sum such as revenue (`--measure revenue`), each leaf a gamma-distributed sum.
A noise case has no cause. Scored: top-1 exact (the first cause named is the injected
segment, exactly), and noise called noise (no cause named).

Run: `.venv/bin/python -m bench.rca_synthetic [--cases 40] [--seed 1]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bot.cli import main as scout_cli

DIMS = {"a": 5, "b": 4, "c": 3, "d": 6}
SHAPES = ("ratio", "additive")
DEPTHS = (1, 2, 3)


@dataclass(frozen=True, kw_only=True)
class Case:
    shape: str
    depth: int  # 0: pure noise
    where: dict[str, str]
    frame: pd.DataFrame  # rows of both periods, a user's export


def make_case(rng: np.random.Generator, shape: str, depth: int) -> Case:
    """One generated case: leaves of two periods, the cause (if any) injected."""
    grids = np.meshgrid(*[np.arange(n) for n in DIMS.values()], indexing="ij")
    leaves = pd.DataFrame(
        {d: [f"{d}{v}" for v in g.ravel()] for d, g in zip(DIMS, grids, strict=True)}
    )
    chosen = sorted(rng.choice(list(DIMS), size=depth, replace=False)) if depth else []
    where = {d: f"{d}{int(rng.integers(DIMS[d]))}" for d in chosen}
    inside = np.ones(len(leaves), dtype=bool)
    for d, v in where.items():
        inside &= (leaves[d] == v).to_numpy()
    effect = float(rng.uniform(0.3, 0.6)) * (1 if rng.random() < 0.3 else -1)
    drift = float(rng.uniform(-0.05, 0.05))
    factor = (1 + drift) * np.where(inside, 1 + effect, 1.0)
    size = rng.lognormal(0.0, 0.5, len(leaves))  # leaves differ in size
    rows = []
    for period, mult in (("baseline", np.ones(len(leaves))), ("current", factor)):
        if shape == "ratio":
            sessions = rng.poisson(3000 * size)
            rate = np.clip(0.04 * rng.lognormal(0, 0.05, len(leaves)) * mult, 0, 1)
            rows.append(
                leaves.assign(
                    period=period, sessions=sessions, conversions=rng.binomial(sessions, rate)
                )
            )
        else:
            orders = rng.poisson(200 * size)
            revenue = rng.gamma(np.maximum(orders, 1) * 2.0, 40.0) * (orders > 0) * mult
            rows.append(leaves.assign(period=period, revenue=revenue.round(2)))
    return Case(shape=shape, depth=depth, where=where, frame=pd.concat(rows, ignore_index=True))


def scout(case: Case, folder: Path) -> list[dict[str, str]]:
    """`scout explain` on the case's CSV with the command's defaults; the causes it names."""
    path = folder / "case.csv"
    case.frame.to_csv(path, index=False)
    measure = (
        ["--measure", "conversions", "--per", "sessions"]
        if case.shape == "ratio"
        else ["--measure", "revenue"]
    )
    argv = ["explain", str(path), "--dims", ",".join(DIMS), "--period-col", "period"]
    argv += ["--baseline", "baseline", "--current", "current", *measure, "--json"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = scout_cli(argv)
    if code != 0:
        raise RuntimeError(f"scout explain failed (exit {code})")
    return [dict(rc["where"]) for rc in json.loads(out.getvalue())["root_causes"]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=40, help="cases per shape and depth (and noise)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    hits: dict[tuple[str, int], int] = {}
    with tempfile.TemporaryDirectory(prefix="scout-rca-synth-") as tmp:
        for shape in SHAPES:
            for depth in (*DEPTHS, 0):
                for _ in range(args.cases):
                    case = make_case(rng, shape, depth)
                    named = scout(case, Path(tmp))
                    ok = (named[:1] == [case.where]) if depth else not named
                    hits[(shape, depth)] = hits.get((shape, depth), 0) + ok
                    if args.verbose and not ok:
                        print(f"  miss {shape} depth {depth}: truth {case.where} named {named}")
    n = args.cases
    print(
        f"rca synthetic: {n} cases per cell, seed {args.seed}, {time.perf_counter() - started:.0f} s"
    )
    print("| shape | cause | top-1 exact (noise: no cause named) | rate |")
    print("| --- | --- | --- | --- |")
    for shape in SHAPES:
        for depth in (*DEPTHS, 0):
            what = f"{depth}-value cause" if depth else "pure noise"
            got = hits[(shape, depth)]
            print(f"| {shape} | {what} | {got}/{n} | {got / n:.1%} |")
    causes = sum(hits[(s, d)] for s in SHAPES for d in DEPTHS)
    noise = sum(hits[(s, 0)] for s in SHAPES)
    print(
        f"top-1 exact over cause cases: {causes}/{n * len(SHAPES) * len(DEPTHS)} ({causes / (n * len(SHAPES) * len(DEPTHS)):.1%}); target ≥ 95%"
    )
    print(f"noise called noise: {noise}/{n * len(SHAPES)} ({noise / (n * len(SHAPES)):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
