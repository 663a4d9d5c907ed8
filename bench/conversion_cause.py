"""Does `scout ask "why did conversion drop …"` name the injected segment, on unseen seeds?

For each seed a demo warehouse is generated (the conversion drop is recorded in
scenarios.json with its exact `where`), then two questions go through the command a user
types, `scout ask … --json` (bot.cli.main in this process):
- "why did conversion drop?": the top cause must be the scenario's `where`, exactly;
- "why did conversion drop in <one value of the where>?": with that value as the filter, the
  answer must name the rest of the `where` exactly (a two-dimension drop), or, when the filter
  is the whole `where`, call the move broad and name no segment inside it.

Neither question names a period, so Scout compares from where the move began (the note says
when it found that, against the scenario's start). `--demo` asks on warehouses like the default
demo's (`scout demo-data --seed 42 --today 2026-12-04`: 180 days, the drop in Cyber week).

Run: `.venv/bin/python -m bench.conversion_cause [--seeds 10] [--first-seed 101]
[--today 2026-10-14] [--days 120] [--scale 1] [--demo] [--seed-list 42,101]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from agent.demo_data import generate
from bot.cli import main as scout_cli

# Words a person uses for a value in a question ("paid search", not paid_search).
_ASKED = {"customer_type": "{} customers", "channel": "{} traffic"}


def ask(warehouse: Path, today: date, question: str) -> dict[str, Any]:
    """The first finding of `scout ask QUESTION --json` on the warehouse."""
    out = io.StringIO()
    argv = ["ask", question, "--warehouse", str(warehouse), "--today", today.isoformat()]
    with contextlib.redirect_stdout(out):
        code = scout_cli([*argv, "--json"])
    if code != 0:
        raise RuntimeError(f"scout ask failed (exit {code}): {question}")
    found: dict[str, Any] = json.loads(out.getvalue())["findings"][0]
    return found


def phrase(dim: str, value: str) -> str:
    return _ASKED.get(dim, "the {}").format(value.replace("_", " "))


def judge(finding: Mapping[str, Any], where: Mapping[str, str], asked: Mapping[str, str]) -> bool:
    """The answer names exactly the rest of `where` beyond the filter `asked`."""
    facts = finding.get("facts", {})
    wanted = {k: v for k, v in where.items() if k not in asked}
    if not wanted:
        return bool(facts.get("broad")) and not facts.get("top_cause")
    return dict(facts.get("top_cause") or {}) == wanted


def run_seed(seed: int, today: date, days: int, scale: float) -> tuple[bool, bool, str]:
    with tempfile.TemporaryDirectory(prefix=f"scout-cause-{seed}-") as tmp:
        built = generate(out=Path(tmp), seed=seed, today=today, days=days, scale=scale)
        drop = built.scenario("conversion_drop")
        where = dict(drop.where)
        whole = ask(built.path, today, "why did conversion drop?")
        dim, value = next(iter(where.items()))
        inside = ask(built.path, today, f"why did conversion drop for {phrase(dim, value)}?")
    ok_whole = judge(whole, where, {})
    ok_inside = judge(inside, where, {dim: value})
    named = inside["facts"].get("top_cause") or ("broad" if inside["facts"].get("broad") else None)
    note = (
        f"truth {where} from {drop.start}: whole ({_since(whole)}) → "
        f"{whole['facts'].get('top_cause')}; in {value} ({_since(inside)}) → {named}"
    )
    return ok_whole, ok_inside, note


def _since(finding: Mapping[str, Any]) -> str:
    onset = finding.get("facts", {}).get("onset")
    return f"since {onset['start']}" if onset else str(finding.get("facts", {}).get("window"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=101)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 10, 14))
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed-list", help="comma-separated seeds (overrides --seeds)")
    parser.add_argument(
        "--demo", action="store_true", help="as the default demo: today 2026-12-04, 180 days"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.demo:
        args.today, args.days = date(2026, 12, 4), 180
    seeds = (
        [int(s) for s in args.seed_list.split(",")]
        if args.seed_list
        else list(range(args.first_seed, args.first_seed + args.seeds))
    )
    started = time.perf_counter()
    results = [run_seed(seed, args.today, args.days, args.scale) for seed in seeds]
    n = len(results)
    whole = sum(r[0] for r in results)
    inside = sum(r[1] for r in results)
    print(
        f"conversion cause: {n} seeds ({','.join(map(str, seeds))}), today {args.today}, "
        f"days={args.days}, scale={args.scale}, {time.perf_counter() - started:.0f} s"
    )
    print("| question | names the injected segment exactly | rate |")
    print("| --- | --- | --- |")
    print(f'| "why did conversion drop?" | {whole}/{n} | {whole / n:.1%} |')
    print(f'| "why did conversion drop for <one value of it>?" | {inside}/{n} | {inside / n:.1%} |')
    for seed, (a, b, note) in zip(seeds, results, strict=True):
        if args.verbose or not (a and b):
            print(f"{'ok' if a and b else 'miss'} seed {seed}: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
