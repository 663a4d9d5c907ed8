"""Slack refuses an answer's blocks: the same answer arrives as text with its table as a CSV.

The real Bolt app and the real agent core (demo warehouse, today = 2025-12-15) post through
the fake Slack Web API, which refuses any message carrying a table block with
`invalid_blocks`, as a workspace or client that cannot take it would. The numbers are
checked against SQL written here by hand.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import duckdb
import pytest

from agent.demo_data import GeneratedWarehouse
from tests.bot.real_env import RealEnv, module_env
from tests.bot.slack_requests import event_request, mention
from tests.conftest import TODAY
from tests.fakes.slack_api import Call

pytestmark = pytest.mark.asyncio(loop_scope="module")

LAST_WEEK = (date(2025, 12, 8), date(2025, 12, 15))


fake_slack, env = module_env("rejected")


def revenue_by_region(warehouse: GeneratedWarehouse) -> dict[str, float]:
    """Last week's revenue per region, straight from the warehouse."""
    with duckdb.connect(str(warehouse.path), read_only=True) as db:
        rows = db.execute(
            "SELECT region, SUM(revenue) FROM orders"
            " WHERE order_date >= ? AND order_date < ? GROUP BY region",
            list(LAST_WEEK),
        ).fetchall()
    return {str(region): float(total) for region, total in rows}


def has_table(call: Call) -> bool:
    return any(b.get("type") == "table" for b in call.json_field("blocks") or [])


async def test_a_refused_answer_arrives_as_text_with_its_table_and_chart_as_files(
    env: RealEnv, caplog: pytest.LogCaptureFixture
) -> None:
    slack = env.slack
    slack.reject_blocks("invalid_blocks", block_type="table")
    caplog.set_level(logging.WARNING, logger="scout.slack")
    ts = "1765790000.000100"
    await env.scout.app.async_dispatch(
        event_request(mention("revenue by region last week", channel="CASK", ts=ts))
    )

    final = (
        await slack.wait_for(
            "chat.update", timeout=60, where=lambda c: "Revenue by region" in c.body["text"]
        )
    )[0]
    refused = [c for c in slack.calls("chat.update") if c.body.get("_failed")]
    assert len(refused) == 1 and has_table(refused[0])  # Slack saw the rich answer first
    assert final.json_field("blocks") == []  # the placeholder's blocks are cleared
    assert final.body["ts"] == refused[0].body["ts"]  # the same message, edited once more
    text = final.body["text"]
    truth = revenue_by_region(env.warehouse)
    assert len(truth) == 5
    for region, revenue in truth.items():
        line = next(line for line in text.splitlines() if line.startswith(region))
        assert f"{revenue:,.0f}" in line, f"{region} {revenue:,.0f} missing from {line!r}"
    assert "scout_feedback" not in text and "{'" not in text

    # The table follows as a CSV with every row, the chart as a PNG, both in the thread.
    named = await slack.wait_for("files.getUploadURLExternal", 2, timeout=30)
    names = {c.body["filename"]: c for c in named}
    assert set(names) == {"table-1.csv", "chart-1.png"}
    completed = await slack.wait_for("files.completeUploadExternal", 2, timeout=30)
    assert {c.body["thread_ts"] for c in completed} == {ts}
    file_ids = {f["id"]: f["title"] for c in completed for f in c.json_field("files")}
    csv_id = next(i for i, title in file_ids.items() if "full table" in title)
    rows = list(csv.DictReader(io.StringIO(slack.uploads[csv_id].decode())))
    # The CSV is the finding's table with its exact numbers (a spreadsheet's to format).
    assert {r["region"]: float(r["Revenue"]) for r in rows} == pytest.approx(truth)
    assert any("slack refused the blocks" in r.getMessage() for r in caplog.records)


async def test_a_refused_digest_is_posted_as_text_once(env: RealEnv) -> None:
    slack = env.slack
    slack.reset()
    slack.reject_blocks("invalid_blocks", times=1)
    published = await env.core.post_digest(TODAY)
    assert published is not None and published.status == "executed"
    posts = slack.calls("chat.postMessage")
    assert posts[0].body.get("_failed") and posts[0].json_field("blocks")
    headline = next(c for c in slack.ok_calls("chat.postMessage") if c.body["channel"] == "CDIGEST")
    assert headline.body.get("blocks") in (None, "", "[]")
    # The plain form says what the refused blocks said, header and figures included.
    header = next(b for b in posts[0].json_field("blocks") if b["type"] == "header")
    assert f"*{header['text']['text']}*" in headline.body["text"]
    assert any(ch.isdigit() for ch in headline.body["text"])
    # The refusal was not a delivery: one headline in the channel, not two.
    in_channel = [m for m in slack.messages if m["channel"] == "CDIGEST" and m["thread_ts"] is None]
    assert len(in_channel) == 1
