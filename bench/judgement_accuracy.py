"""Judgement: the questions an analyst checks by hand, asked through `scout ask --json`.

Run: .venv/bin/python -m bench.judgement_accuracy [--seeds 7 99 123] [--todays 2026-12-04 2026-03-18]

For every (seed, today) a demo warehouse is generated and each question is asked through the
CLI, exactly as a user types it. The truth never comes from Scout's own code: windows are
computed here from the calendar rules an analyst would state, numbers with hand-written SQL
on the warehouse, and causes and anomalies from the generator's recorded ground truth
(scenarios.json). One line per question that is wrong, then the score per kind.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import platform
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from agent.demo_data import generate
from bot.cli import main as scout

Check = Callable[["World", dict[str, Any]], str]  # "" when right, else what is wrong
REL_TOL = 1e-6


@dataclass(frozen=True)
class World:
    warehouse: Path
    memory: Path
    today: date
    scenarios: dict[str, dict[str, Any]]

    def sql(self, query: str, params: Sequence[object] = ()) -> float:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            row = con.execute(query, list(params)).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    check: Check


# ----------------------------------------------------------------------------- calendar truth


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month_start(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


Span = tuple[date, date]  # [start, end)


def _span(goal_part: dict[str, Any] | None) -> Span | None:
    if not goal_part:
        return None
    return date.fromisoformat(goal_part["start"]), date.fromisoformat(goal_part["end"])


def windows_are(window: Span, baseline: Span | None) -> Check:
    def check(_world: World, answer: dict[str, Any]) -> str:
        goal = answer.get("goal") or {}
        got = (_span(goal.get("window")), _span(goal.get("baseline")))
        if got != (window, baseline):
            return f"windows {_show(got[0])} vs {_show(got[1])}, want {_show(window)} vs {_show(baseline)}"
        return ""

    return check


def _show(span: Span | None) -> str:
    return "none" if span is None else f"[{span[0]}, {span[1]})"


# ----------------------------------------------------------------------------- number truth

REVENUE = "SELECT SUM(revenue) FROM orders WHERE order_date >= ? AND order_date < ?"
ORDERS = "SELECT COUNT(*) FROM orders WHERE order_date >= ? AND order_date < ?"
ORDERS_IN = "SELECT COUNT(*) FROM orders WHERE order_date >= ? AND order_date < ? AND region = ?"
AOV = "SELECT SUM(revenue) / COUNT(*) FROM orders WHERE order_date >= ? AND order_date < ?"
SESSIONS_ON = (
    "SELECT COUNT(*) FROM sessions WHERE session_date >= ? AND session_date < ? AND device = ?"
)
CONVERSION = (
    "SELECT AVG(CASE WHEN converted THEN 1.0 ELSE 0.0 END) FROM sessions"
    " WHERE session_date >= ? AND session_date < ?"
)


def numbers_are(
    sql: str,
    window: Span,
    baseline: Span,
    *extra: object,
    per: str = "period",
    baseline_periods: int = 1,
) -> Check:
    """The compared values match hand SQL; `per` is how unequal periods are put side by side."""

    def check(world: World, answer: dict[str, Any]) -> str:
        facts = _first_facts(answer)
        current = world.sql(sql, (*window, *extra))
        before = world.sql(sql, (*baseline, *extra))
        if per == "day":
            current /= (window[1] - window[0]).days
            before /= (baseline[1] - baseline[0]).days
        before /= baseline_periods
        got = (facts.get("value_compared"), facts.get("baseline_compared"))
        if got[0] is None or got[1] is None:
            return f"no compared values in {sorted(facts)}"
        if not (_close(got[0], current) and _close(got[1], before)):
            return f"compared {got[0]:.6g} vs {got[1]:.6g}, want {current:.6g} vs {before:.6g}"
        if facts.get("compared_per", "period") not in (
            per,
            "week" if baseline_periods > 1 else per,
        ):
            return f"compared per {facts.get('compared_per')}, want per {per}"
        return ""

    return check


def no_change_printed(world: World, answer: dict[str, Any]) -> str:
    facts = _first_facts(answer)
    summary = " ".join(f.get("summary", "") for f in answer.get("findings", []))
    if facts.get("relative_change") is not None or "%" in summary.split(" vs ")[0][-12:]:
        return f"printed a change without a baseline: {summary[:160]!r}"
    if not any(w in summary.lower() for w in ("no data", "missing", "not in the data")):
        return f"did not say what is missing: {summary[:160]!r}"
    return ""


def _first_facts(answer: dict[str, Any]) -> dict[str, Any]:
    findings = answer.get("findings") or []
    return dict(findings[0].get("facts") or {}) if findings else {}


def _close(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-9)


def both(*checks: Check) -> Check:
    def check(world: World, answer: dict[str, Any]) -> str:
        return "; ".join(p for c in checks if (p := c(world, answer)))

    return check


# ----------------------------------------------------------------------------- cause and anomaly


def names_the_injected_cause(world: World, answer: dict[str, Any]) -> str:
    truth = world.scenarios["conversion_drop"]["where"]
    causes = [c for f in answer.get("findings", []) for c in f.get("root_causes", [])]
    if not causes:
        return f"named no cause; want {truth}"
    top = dict(causes[0].get("where") or {})
    return "" if top == truth else f"named {top}, want {truth}"


def finds_the_revenue_anomaly(world: World, answer: dict[str, Any]) -> str:
    truth = world.scenarios["revenue_anomaly"]
    found = [a for f in answer.get("findings", []) for a in f.get("anomalies", [])]
    for item in found:
        if (
            item.get("metric") == "revenue"
            and item.get("day") == truth["start"]
            and dict(item.get("where") or {}) == truth["where"]
        ):
            return ""
    seen = [(a.get("metric"), a.get("where"), a.get("day")) for a in found[:4]]
    return f"missed revenue {truth['where']} on {truth['start']}; found {seen}"


# ----------------------------------------------------------------------------- the questions


def questions(today: date, scenarios: dict[str, dict[str, Any]]) -> list[Question]:
    yesterday = today - timedelta(days=1)
    ms, pms = month_start(today), previous_month_start(today)
    mtd = (ms, today)
    mtd_before = (pms, pms + (today - ms))
    last7, prev7 = (
        (today - timedelta(days=7), today),
        (today - timedelta(days=14), today - timedelta(days=7)),
    )
    last30 = (today - timedelta(days=30), today)
    prev30 = (today - timedelta(days=60), today - timedelta(days=30))
    last14 = (today - timedelta(days=14), today)
    prev14 = (today - timedelta(days=28), today - timedelta(days=14))
    ws = week_start(today)
    last_week = (ws - timedelta(days=7), ws)
    four_before = (ws - timedelta(days=35), ws - timedelta(days=7))
    last_month = (pms, ms)
    month_before = (previous_month_start(pms), pms)
    per_month = "period" if (ms - pms) == (pms - month_before[0]) else "day"
    if today == ws:  # a week that starts today has no days yet: the last 7 days
        this_week, this_week_before = last7, prev7
    else:
        this_week = (ws, today)
        this_week_before = (ws - timedelta(days=7), today - timedelta(days=7))
    same_weekday = (yesterday - timedelta(days=7), yesterday + timedelta(days=-6))
    month_name = f"{pms:%B}"

    qs = [
        Question("window", "revenue this month so far vs the same period last month",
                 both(windows_are(mtd, mtd_before), numbers_are(REVENUE, mtd, mtd_before))),
        Question("window", "revenue last 7 days vs previous 7 days",
                 both(windows_are(last7, prev7), numbers_are(REVENUE, last7, prev7))),
        Question("window", "orders last week vs the previous 4 weeks",
                 both(windows_are(last_week, four_before),
                      numbers_are(ORDERS, last_week, four_before, baseline_periods=4))),
        Question("window", f"revenue in {month_name}",
                 both(windows_are(last_month, month_before),
                      numbers_are(REVENUE, last_month, month_before, per=per_month))),
        Question("window", "how is revenue this week?",
                 both(windows_are(this_week, this_week_before),
                      numbers_are(REVENUE, this_week, this_week_before))),
        Question("window", "conversion rate yesterday",
                 both(windows_are((yesterday, today), same_weekday),
                      numbers_are(CONVERSION, (yesterday, today), same_weekday))),
        Question("number", "orders in the Northeast last 30 days vs the 30 days before",
                 both(windows_are(last30, prev30),
                      numbers_are(ORDERS_IN, last30, prev30, "Northeast"))),
        Question("number", f"average order value in {month_name}",
                 both(windows_are(last_month, month_before),
                      numbers_are(AOV, last_month, month_before))),
        Question("number", "sessions on mobile last 14 days vs the 14 days before",
                 both(windows_are(last14, prev14),
                      numbers_are(SESSIONS_ON, last14, prev14, "mobile"))),
        Question("missing", "revenue last 7 days vs the same days last year", no_change_printed),
        Question("window", "anything unusual this week?", windows_are(this_week, this_week_before)),
    ]  # fmt: skip
    drop = scenarios.get("conversion_drop")
    if drop is not None and date.fromisoformat(drop["start"]) >= today - timedelta(days=7):
        qs.append(Question("cause", "why did conversion drop?", names_the_injected_cause))
    spike = scenarios.get("revenue_anomaly")
    if spike is not None:
        day = date.fromisoformat(spike["start"])
        qs.append(
            Question("anomaly", f"was anything unusual on {day:%b} {day.day}?",
                     finds_the_revenue_anomaly)
        )  # fmt: skip
    return qs


# ----------------------------------------------------------------------------- running


def ask(world: World, text: str) -> dict[str, Any]:
    """`scout ask TEXT --json` in this process (the CLI's own code path)."""
    out = io.StringIO()
    argv = [
        "ask", text, "--warehouse", str(world.warehouse), "--today", world.today.isoformat(),
        "--memory", str(world.memory), "--json",
    ]  # fmt: skip
    with contextlib.redirect_stdout(out):
        code = scout(argv)
    if code != 0:
        return {"error": f"exit {code}"}
    try:
        return dict(json.loads(out.getvalue()))
    except ValueError:
        return {"error": "not JSON: " + out.getvalue()[:200]}


def build(seed: int, today: date, root: Path, *, days: int, scale: float) -> World:
    out = root / f"seed{seed}-{today}"
    made = generate(out=out, seed=seed, today=today, days=days, scale=scale)
    scenarios = {s.kind: s.to_json() for s in made.scenarios}
    return World(
        warehouse=made.path, memory=out / "memory.sqlite3", today=today, scenarios=scenarios
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 99, 123])
    parser.add_argument("--todays", nargs="+", default=["2026-12-04", "2026-03-18"])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)

    started = time.monotonic()
    right: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scout-judgement-") as tmp:
        for seed in args.seeds:
            for text_day in args.todays:
                world = build(
                    seed, date.fromisoformat(text_day), Path(tmp), days=args.days, scale=args.scale
                )
                for question in questions(world.today, world.scenarios):
                    answer = ask(world, question.text)
                    problem = answer.get("error") or question.check(world, answer)
                    right[question.kind][1] += 1
                    right[question.kind][0] += not problem
                    if problem:
                        wrong.append(
                            f"seed {seed} today {world.today} {question.text!r}: {problem}"
                        )
    for line in wrong:
        print("wrong:", line)
    total = [sum(v[0] for v in right.values()), sum(v[1] for v in right.values())]
    print(
        f"judgement: {total[0]}/{total[1]} right ({platform.machine()}, {time.monotonic() - started:.0f} s)"
    )
    for kind, (ok, n) in sorted(right.items()):
        print(f"  {kind:8s} {ok}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
