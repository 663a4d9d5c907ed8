"""`scout explain FILE.csv`: the root-cause engine on any exported table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from agent.analyses.explain.verdict import MAX_CAUSES, Against, explain_leaves
from agent.analyses.rca import RCAResult, describe_where
from agent.analyses.stats import successes_of_trials
from agent.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="why did a metric move? root causes from a CSV",
        description=(
            "Find the few segments that explain a change. Either leaf rows with actual and "
            "expected columns, or rows of two periods (with --per, a ratio metric)."
        ),
    )
    p.add_argument("file", help="CSV file")
    p.add_argument("--dims", required=True, help="comma-separated dimension columns")
    p.add_argument("--actual", help="column with the actual (current) value")
    p.add_argument("--expected", help="column with the expected (forecast/baseline) value")
    p.add_argument("--period-col", help="column that says which period a row belongs to")
    p.add_argument("--baseline", help="value of --period-col for the baseline period")
    p.add_argument("--current", help="value of --period-col for the current period")
    p.add_argument("--measure", help="column to sum (the numerator with --per)")
    p.add_argument("--per", help="denominator column: explain the ratio measure/per")
    p.add_argument("--max-causes", type=int, default=MAX_CAUSES)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    df = _read(Path(args.file))
    dims = [d.strip() for d in args.dims.split(",") if d.strip()]
    if not dims:
        raise UserError("--dims needs at least one column.")
    if args.max_causes < 1:
        raise UserError("--max-causes must be at least 1.")
    result = _explain(df, dims, args)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        _render(result)
    return 0


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise UserError(f"I can't find the file {path}.")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UserError(f"I can't read {path} as CSV: {error}") from error


def _explain(df: pd.DataFrame, dims: list[str], args: argparse.Namespace) -> RCAResult:
    """The leaves the arguments describe, judged by Scout's one root-cause policy."""
    if args.actual or args.expected:
        if not (args.actual and args.expected):
            raise UserError("Give both --actual and --expected.")
        _need(df, [*dims, args.actual, args.expected])
        for col in (args.expected, args.actual):
            if len(df) and pd.to_numeric(df[col], errors="coerce").isna().all():
                raise UserError(f"Column '{col}' holds no numbers.")
        leaves = df[dims].assign(value_base=df[args.expected], value_cur=df[args.actual])
        return explain_leaves(
            leaves, dims, ("value",), against=Against.FORECAST, max_causes=args.max_causes
        ).result
    if not (args.period_col and args.baseline is not None and args.current is not None):
        raise UserError(
            "Say what to compare.",
            hint="Use --actual COL --expected COL, or --period-col COL --baseline V "
            "--current V --measure COL [--per COL].",
        )
    if not args.measure:
        raise UserError("--measure is needed with --period-col.")
    cols = [args.measure] + ([args.per] if args.per else [])
    _need(df, [*dims, args.period_col, *cols])
    period = df[args.period_col].astype(str)
    for label in (args.baseline, args.current):
        if not (period == str(label)).any():
            raise UserError(
                f"No rows have {args.period_col} = {label}.",
                hint="Values present: " + ", ".join(sorted(period.unique())[:20]),
            )
    parts = ("numerator", "denominator") if args.per else ("value",)
    numeric = df[cols].apply(pd.to_numeric, errors="coerce").set_axis(list(parts), axis=1)
    frame = pd.concat([df[dims].astype(str), numeric, period.rename("_period")], axis=1)
    base = frame[frame["_period"] == str(args.baseline)].groupby(dims)[list(parts)].sum()
    cur = frame[frame["_period"] == str(args.current)].groupby(dims)[list(parts)].sum()
    leaves = base.merge(
        cur, how="outer", left_index=True, right_index=True, suffixes=("_base", "_cur")
    )
    leaves = leaves.fillna(0.0).reset_index()
    proportion = bool(args.per) and successes_of_trials(
        leaves[["numerator_base", "numerator_cur"]], leaves[["denominator_base", "denominator_cur"]]
    )
    return explain_leaves(
        leaves,
        dims,
        parts,
        against=Against.PERIODS,
        proportion=proportion,
        max_causes=args.max_causes,
    ).result


def _need(df: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in dict.fromkeys(cols) if c not in df.columns]
    if missing:
        raise UserError(
            f"The file has no column(s) {', '.join(missing)}.",
            hint="Columns present: " + ", ".join(map(str, df.columns)),
        )


def _render(result: RCAResult) -> None:
    console = Console()
    console.print(result.summary(), highlight=False)
    if not result.root_causes:
        return
    ratio = result.kind == "ratio"
    table = Table(title="Root causes")
    for col in ["where", "baseline", "current", "change", "explains"]:
        table.add_column(col, justify="left" if col == "where" else "right")
    if ratio:
        table.add_column("rate effect", justify="right")
        table.add_column("mix effect", justify="right")
    for rc in result.root_causes:
        fmt = "{:.4g}" if ratio else "{:,.2f}"
        row = [
            describe_where(rc.where),
            fmt.format(rc.baseline),
            fmt.format(rc.current),
            fmt.format(rc.change),
            f"{rc.explains:.0%}",
        ]
        if ratio:
            row += [f"{rc.rate_effect or 0:+.4g}", f"{rc.mix_effect or 0:+.4g}"]
        table.add_row(*row)
    console.print(table)
