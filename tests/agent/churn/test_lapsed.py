"""Lapsed is not at risk: a repeat customer with no order or visit for longer than their own
churn line (twice their usual gap between visits or orders, at least 30 days, at most 60)
has already churned by Scout's own label, so `scout churn` and "which customers are at risk
of churning?" never list, tier, count or value them as at risk, and say how many there are.

The truth is hand-written SQL over the raw tables, never Scout's features.
"""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from agent.analyses import AnalysisContext, run_goal
from agent.churn.agent import CustomerChurnAgent
from agent.churn.digest import churn_section
from agent.demo_data import GeneratedWarehouse
from agent.domain import Goal, Intent
from agent.semantic import load_semantic
from agent.warehouse import DuckDBWarehouse
from bot.cli import main
from tests.agent.churn.conftest import backtest_stated, load_json

TOP = 200  # more than the high + critical slice on the session's demo warehouse
LOOKBACK_DAYS = 365  # the history Scout reads (churn.lookback_days)

# Each customer's churn line as of $today: repeat buyers (two orders in the history read, or
# one after an earlier first order), the days since their last order or visit, and twice the
# gap between the days they showed up (the days observed for a single one), at least 30 days,
# at most 60.
LINE_SQL = """\
WITH bought AS (
    SELECT customer_id, order_date AS day
    FROM orders
    WHERE customer_id IS NOT NULL AND order_date >= $start AND order_date < $today
),
repeat_buyers AS (
    SELECT b.customer_id
    FROM bought b JOIN customers c ON c.customer_id = b.customer_id
    WHERE c.first_order_date < $today
    GROUP BY b.customer_id, c.first_order_date
    HAVING COUNT(*) >= 2 OR c.first_order_date < MIN(b.day)
),
shown_up AS (
    SELECT customer_id, day FROM bought
    UNION
    SELECT customer_id, session_date
    FROM sessions
    WHERE customer_id IS NOT NULL AND session_date >= $start AND session_date < $today
),
rhythm AS (
    SELECT customer_id, COUNT(*) AS days, MIN(day) AS first_day, MAX(day) AS last_day
    FROM shown_up
    GROUP BY customer_id
)
SELECT r.customer_id,
       date_diff('day', h.last_day, $today) AS quiet,
       LEAST(60.0, GREATEST(30.0, 2.0 * CASE
           WHEN h.days >= 2 THEN date_diff('day', h.first_day, h.last_day) / (h.days - 1.0)
           ELSE GREATEST(1, date_diff('day', h.first_day, $today))
       END)) AS line
FROM repeat_buyers r JOIN rhythm h ON h.customer_id = r.customer_id
ORDER BY r.customer_id"""


def churn_lines(path: Path, today: date) -> pd.DataFrame:
    """customer_id → quiet (days), line (days), lapsed (quiet longer than the line)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        (first,) = con.execute("SELECT MIN(order_date) FROM orders").fetchone() or (None,)
        assert first is not None
        start = today - timedelta(days=min(LOOKBACK_DAYS, (today - first).days))
        frame = con.execute(LINE_SQL, {"start": start, "today": today}).df()
    finally:
        con.close()
    frame = frame.set_index("customer_id")
    frame["lapsed"] = frame["quiet"] > frame["line"]
    return frame


def scout_churn(demo: GeneratedWarehouse, *extra: str) -> Any:
    """`scout churn --json` in-process (module fixtures cannot use capsys)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["churn", "--warehouse", str(demo.path), "--today", demo.today.isoformat(),
             "--json", *extra]
        )  # fmt: skip
    assert code == 0
    return load_json(out.getvalue())


@pytest.fixture(scope="module")
def answer(demo_warehouse: GeneratedWarehouse) -> Any:
    return scout_churn(demo_warehouse, "--top", str(TOP))


@pytest.fixture(scope="module")
def lines(demo_warehouse: GeneratedWarehouse) -> pd.DataFrame:
    frame = churn_lines(demo_warehouse.path, demo_warehouse.today)
    assert frame["lapsed"].sum() > 100  # the warehouse holds the case being tested
    return frame


def test_everyone_listed_at_risk_showed_up_within_their_own_churn_line(
    answer: Any, lines: pd.DataFrame
) -> None:
    profiles = answer["profiles"]
    assert len(profiles) == TOP
    for p in profiles:
        truth = lines.loc[p["customer_id"]]
        assert truth["quiet"] <= truth["line"], (
            f"{p['customer_id']} is listed at {p['risk_level']} risk but has had no order or "
            f"visit for {truth['quiet']} days, past their {truth['line']:.0f}-day churn line"
        )
        assert p["population"] == "repeat" and p["risk_level"] is not None


def test_the_tiers_and_their_value_are_drawn_from_the_not_yet_lapsed(
    answer: Any, lines: pd.DataFrame
) -> None:
    overview = answer["overview"]
    live = int((~lines["lapsed"]).sum())
    assert overview["scored_customers"] == live
    flagged = [p for p in answer["profiles"] if p["risk_level"] in ("high", "critical")]
    assert 0 < len(flagged) == overview["flagged"]  # the whole slice is in the list shown
    assert not lines.loc[[p["customer_id"] for p in flagged], "lapsed"].any()
    assert overview["flagged_share"] == pytest.approx(len(flagged) / live, abs=1e-4)
    assert overview["value_at_risk_high_and_critical"] == pytest.approx(
        sum(p["value_at_risk"] for p in flagged), abs=0.05
    )
    share = len(flagged) / live
    assert (
        f"Of {live:,} repeat customers not yet lapsed, {len(flagged):,} ({share:.1%}) are at "
        "high or critical risk"
    ) in overview["summary"]


def test_the_lapsed_are_counted_apart_and_said_plainly(
    answer: Any, lines: pd.DataFrame, churn_agent: CustomerChurnAgent
) -> None:
    lapsed = int(lines["lapsed"].sum())
    overview = answer["overview"]
    assert overview["lapsed_customers"] == lapsed
    assert (
        f"Another {lapsed:,} repeat customers are already lapsed, with no order or visit for "
        "longer than that: a win-back question, not a risk one."
    ) in overview["summary"]
    # No tier for any of them anywhere in the scores (the segmentation's campaign reads them
    # to leave the high-risk customers to the retention flow).
    levels = churn_agent.scores().frame["risk_level"]
    assert levels.reindex(lines.index[lines["lapsed"]]).isna().all()
    digest = churn_section(churn_agent)
    assert digest.lapsed == lapsed
    assert f"Another {lapsed:,} are already lapsed" in digest.lines()[0]


def test_the_backtest_is_over_customers_not_yet_lapsed_at_its_cutoff(
    answer: Any, demo_warehouse: GeneratedWarehouse
) -> None:
    overview = answer["overview"]
    cutoff = date.fromisoformat(overview["backtest_as_of"])
    judged = (demo_warehouse.today - cutoff).days  # 30: only 30-day windows have closed
    at_cutoff = churn_lines(demo_warehouse.path, cutoff)
    closed = at_cutoff[at_cutoff["line"] <= judged]
    assert closed["lapsed"].sum() > 50  # the rule changes the population here
    assert overview["backtest_customers"] == int((~closed["lapsed"]).sum())
    assert backtest_stated(overview, overview["summary"])  # its precision is theirs


def test_one_lapsed_customer_is_said_to_be_lapsed_not_at_risk(
    demo_warehouse: GeneratedWarehouse, lines: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = lines[lines["lapsed"]].sort_values(["quiet", "line"], ascending=[False, True])
    cid, quiet = str(gone.index[0]), int(gone["quiet"].iloc[0])
    (profile,) = scout_churn(demo_warehouse, "--customer", cid)["profiles"]
    assert profile["population"] == "lapsed"
    assert profile["risk_level"] is None and profile["churn_probability"] is None
    assert profile["value_at_risk"] == 0 and profile["recommended_actions"] == []
    assert profile["facts"]["days_since_active"] == quiet
    assert profile["next_action"].startswith("none: already lapsed")
    capsys.readouterr()
    args = ["churn", "--warehouse", str(demo_warehouse.path), "--today"]
    assert main([*args, demo_warehouse.today.isoformat(), "--customer", cid]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the terminal wraps long lines
    assert f"{cid}: {cid} has already lapsed: quiet for {quiet} days" in out
    assert not re.search(r"\bis at \w+ risk\b", out)
    assert "next action: none: already lapsed" in out


def test_asking_who_is_at_risk_lists_no_lapsed_customer(
    churn_warehouse: DuckDBWarehouse,
    demo_warehouse: GeneratedWarehouse,
    lines: pd.DataFrame,
    tmp_path: Path,
) -> None:
    ctx = AnalysisContext(
        warehouse=churn_warehouse,
        layer=load_semantic(None),
        today=demo_warehouse.today,
        out_dir=tmp_path / "out",
    )
    (finding,) = run_goal(Goal(intent=Intent.CHURN), ctx)
    assert finding.table is not None
    listed = [str(row[0]) for row in finding.table.rows]
    assert listed and not lines.loc[listed, "lapsed"].any()
    for action in finding.proposed_actions:
        assert not lines.loc[str(action.target), "lapsed"], action
    csv = pd.read_csv(finding.attachments["churn_csv"], index_col="customer_id")
    assert len(csv) == int((~lines["lapsed"]).sum())
    assert not lines.loc[csv.index, "lapsed"].any()
    assert f"Another {int(lines['lapsed'].sum()):,} repeat customers" in finding.summary
