"""Root-cause localisation accuracy of `scout explain FILE.csv` on Squeeze B0 and RobustSpot RS.

Run: `.venv/bin/python -m bench.rca_benchmark [--only b0|rs] [--verbose] [--limit N]`.
Data: ../shared/data/rca (override with SCOUT_SHARED_DATA). Scoring follows its README:
a predicted element counts only if it exactly equals a labelled one; micro-F1 over cases.
The number of elements is predicted (never read from the label). A tiny Adtributor-style
baseline (explanatory power + surprise, one dimension) runs side by side.

Scout is measured through the command a user runs, `scout explain ... --json` (bot.cli.main
in this process), with its default options, so the figures are what users get. A B0 case is
its data file as it is (`--actual real --expected predict`). An RS case becomes a CSV of two
periods (`--period-col period --measure value --per cnt`) written to a temporary folder: the
current minute, and as baseline each leaf's mean over the 4 minutes before (RiskLoc's
forecast for this data).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bot.cli import main as scout_cli

Element = frozenset[str]
REFERENCE = {
    "b0": (("Squeeze", 0.974), ("RiskLoc", 0.950), ("AutoRoot", 0.921), ("Adtributor", 0.148)),
    "rs": (("RobustSpot", 0.416), ("Adtributor", 0.274), ("AutoRoot", 0.261), ("RiskLoc", 0.025)),
}


@dataclass(frozen=True, kw_only=True)
class Case:
    setting: str
    name: str
    leaves: pd.DataFrame  # columns: dims + base_num, cur_num (+ base_den, cur_den for ratios)
    dims: tuple[str, ...]
    truth: frozenset[Element]
    ratio: bool
    source: Path | None = None  # a CSV `scout explain` reads as it is


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    seconds: float = 0.0

    def add(self, predicted: set[Element], truth: frozenset[Element]) -> None:
        self.tp += len(predicted & truth)
        self.fp += len(predicted - truth)
        self.fn += len(truth - predicted)

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 1.0


def data_root() -> Path:
    env = os.environ.get("SCOUT_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return base / "rca"


def b0_cases(root: Path) -> Iterator[Case]:
    """Squeeze B0: additive real vs predict per leaf; labels in injection_info.csv."""
    for folder in sorted((root / "squeeze_B0").glob("B_cuboid_layer_*")):
        info = pd.read_csv(folder / "injection_info.csv")
        labels = dict(zip(info["timestamp"].astype(str), info["set"], strict=True))
        for path in sorted(folder.glob("*.csv.gz")):
            ts = path.name.split(".")[0]
            df = pd.read_csv(path)
            truth = frozenset(frozenset(e.split("&")) for e in labels[ts].split(";"))
            leaves = df.rename(columns={"predict": "base_num", "real": "cur_num"})
            yield Case(
                setting=folder.name,
                name=ts,
                leaves=leaves,
                dims=("a", "b", "c", "d"),
                truth=truth,
                ratio=False,
                source=path,
            )


def rs_cases(root: Path) -> Iterator[Case]:
    """RobustSpot: ratio value/cnt; the baseline of each leaf is its mean over the 4 minutes before."""
    labels = yaml.safe_load((root / "RS" / "anomaly.yaml").read_text(encoding="utf-8"))
    for item in labels:
        df = pd.read_csv(root / "RS" / f"{item['data']}.csv.gz")
        dims = tuple(c for c in df.columns if c not in ("min", "value", "cnt"))
        t = int(item["timestamp"])
        cur = df[df["min"] == t].groupby(list(dims), dropna=False)[["value", "cnt"]].sum()
        prev = df[df["min"].isin([t - 60 * i for i in range(1, 5)])]
        base = prev.groupby(list(dims), dropna=False)[["value", "cnt"]].sum() / 4.0
        leaves = cur.merge(
            base, how="outer", left_index=True, right_index=True, suffixes=("_cur", "_base")
        ).fillna(0.0)
        leaves = leaves.rename(
            columns={
                "value_cur": "cur_num",
                "cnt_cur": "cur_den",
                "value_base": "base_num",
                "cnt_base": "base_den",
            }
        ).reset_index()
        causes = item["cause"] if isinstance(item["cause"], list) else [item["cause"]]
        truth = frozenset(frozenset(f"{k}={v}" for k, v in c.items()) for c in causes)
        yield Case(
            setting="RS", name=item["data"], leaves=leaves, dims=dims, truth=truth, ratio=True
        )


def scout(case: Case) -> set[Element]:
    """`scout explain` on the case's CSV, with the command's defaults (never tuned per case)."""
    with tempfile.TemporaryDirectory(prefix="scout-rca-") as tmp:
        if case.ratio:
            path = Path(tmp) / f"{case.name}.csv"
            _two_periods(case).to_csv(path, index=False)
            options = ["--period-col", "period", "--baseline", "baseline", "--current", "current"]
            options += ["--measure", "value", "--per", "cnt"]
        else:
            assert case.source is not None
            path, options = case.source, ["--actual", "real", "--expected", "predict"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = scout_cli(
                ["explain", str(path), "--dims", ",".join(case.dims), *options, "--json"]
            )
    if code != 0:
        raise RuntimeError(f"scout explain failed on {case.setting} {case.name} (exit {code})")
    causes = json.loads(out.getvalue())["root_causes"]
    return {frozenset(f"{k}={v}" for k, v in cause["where"].items()) for cause in causes}


def _two_periods(case: Case) -> pd.DataFrame:
    """A ratio case as a user would export it: one row per leaf and period."""
    lv = case.leaves
    dims = list(case.dims)
    rows = [
        lv[dims].assign(period=name, value=lv[f"{key}_num"], cnt=lv[f"{key}_den"])
        for name, key in (("baseline", "base"), ("current", "cur"))
    ]
    return pd.concat(rows, ignore_index=True)


def adtributor(case: Case, t_eep: float = 0.1, t_ep: float = 0.67) -> set[Element]:
    """Adtributor (Bhagwan et al., NSDI'14) reduced to its core, on single dimensions.

    Per dimension: values sorted by surprise (JS divergence of baseline vs current share)
    join the explanation while each explains ≥ t_eep of the change, until together ≥ t_ep.
    The dimension with the most total surprise wins. Ratios use the rate-expected numerator.
    """
    lv = case.leaves
    cur = lv["cur_num"].to_numpy(float)
    if case.ratio:
        rate = lv["base_num"].sum() / max(lv["base_den"].sum(), 1e-12)
        base = lv["cur_den"].to_numpy(float) * np.where(
            lv["base_den"] > 0, lv["base_num"] / lv["base_den"].where(lv["base_den"] > 0, 1), rate
        )
    else:
        base = lv["base_num"].to_numpy(float)
    total = cur.sum() - base.sum()
    best: tuple[float, set[Element]] = (-1.0, set())
    for dim in case.dims:
        g = pd.DataFrame({"k": lv[dim].astype(str), "b": base, "c": cur}).groupby("k").sum()
        p = g["b"] / max(g["b"].sum(), 1e-12)
        q = g["c"] / max(g["c"].sum(), 1e-12)
        m = (p + q) / 2
        surprise = 0.5 * (_xlogy(p, m) + _xlogy(q, m))
        ep = (g["c"] - g["b"]) / (total if total else 1.0)
        chosen, ep_sum, s_sum = set(), 0.0, 0.0
        for key in surprise.sort_values(ascending=False).index:
            if ep[key] >= t_eep:
                chosen.add(frozenset({f"{dim}={key}"}))
                ep_sum += float(ep[key])
                s_sum += float(surprise[key])
            if ep_sum >= t_ep:
                break
        if ep_sum >= t_ep and s_sum > best[0]:
            best = (s_sum, chosen)
    return best[1]


def _xlogy(x: pd.Series, m: pd.Series) -> pd.Series:
    safe = (x > 0) & (m > 0)
    out = pd.Series(0.0, index=x.index)
    out[safe] = x[safe] * np.log(x[safe] / m[safe])
    return out


def run(
    cases: Iterator[Case], methods: Mapping[str, Callable[[Case], set[Element]]], verbose: bool
):
    tallies: dict[str, dict[str, Tally]] = {m: {} for m in methods}
    for case in cases:
        for name, method in methods.items():
            started = time.perf_counter()
            predicted = method(case)
            tally = tallies[name].setdefault(case.setting, Tally())
            tally.seconds += time.perf_counter() - started
            tally.add(predicted, case.truth)
            if verbose and name == "scout" and predicted != case.truth:
                print(
                    f"  miss {case.setting} {case.name}: truth {_fmt(case.truth)} got {_fmt(predicted)}"
                )
    return tallies


def _fmt(elements: Sequence[Element] | set[Element] | frozenset[Element]) -> str:
    return "; ".join(sorted("&".join(sorted(e)) for e in elements)) or "-"


def report(label: str, tallies: dict[str, dict[str, Tally]]) -> None:
    print(f"\n== {label} ==")
    methods = list(tallies)
    settings = sorted({s for t in tallies.values() for s in t})
    print(f"{'setting':28s}" + "".join(f"{m:>26s}" for m in methods))
    overall = {m: Tally() for m in methods}
    for s in settings:
        row = f"{s:28s}"
        for m in methods:
            t = tallies[m][s]
            o = overall[m]
            o.tp, o.fp, o.fn, o.seconds = (
                o.tp + t.tp,
                o.fp + t.fp,
                o.fn + t.fn,
                o.seconds + t.seconds,
            )
            row += f"{t.f1:>10.3f} ({t.tp}/{t.fp}/{t.fn})".rjust(26)
        print(row)
    print(
        f"{'OVERALL F1 (TP/FP/FN)':28s}"
        + "".join(
            f"{overall[m].f1:>10.3f} ({overall[m].tp}/{overall[m].fp}/{overall[m].fn})".rjust(26)
            for m in methods
        )
    )
    print(f"{'seconds total':28s}" + "".join(f"{overall[m].seconds:>26.1f}" for m in methods))
    key = "b0" if "B0" in label else "rs"
    print(
        "reference (riskloc repo defaults, local re-run): "
        + ", ".join(f"{n} {f:.3f}" for n, f in REFERENCE[key])
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["b0", "rs"])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--limit", type=int, help="only the first N cases of each data set")
    args = parser.parse_args(argv)
    root = data_root()
    if not root.exists():
        print(f"RCA data not found at {root} (set SCOUT_SHARED_DATA)")
        return 1
    methods = {"scout": scout, "adtributor-baseline": adtributor}
    first = f", first {args.limit}" if args.limit is not None else ""
    if args.only in (None, "b0"):
        cases = itertools.islice(b0_cases(root), args.limit)
        report(f"Squeeze B0 subset (108 cases{first})", run(cases, methods, args.verbose))
    if args.only in (None, "rs"):
        cases = itertools.islice(rs_cases(root), args.limit)
        report(f"RobustSpot RS (135 cases{first})", run(cases, methods, args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
