"""Block Kit builders: limits, escaping, fallbacks, buttons (pure, no Slack)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

from agent.domain import Evidence, Finding, Table
from bot.blocks import (
    MAX_BLOCKS,
    answer_message,
    escape,
    progress_message,
    sql_message,
    with_decision,
)
from bot.core import ActionStatus, Reply, ThreadRef, option_token, parse_option_token
from bot.home_blocks import home_view
from tests.bot.scripted_core import ScriptedCore, answer, clarifying, conversion_finding, proposing


def _j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sections(blocks: list[dict]) -> list[str]:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    return texts + [f["text"] for b in blocks for f in b.get("fields", [])]


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> & <@U123|boss> <http://x|y>") == (
        "&lt;!channel&gt; &amp; &lt;@U123|boss&gt; &lt;http://x|y&gt;"
    )


def test_answer_has_summary_facts_causes_confidence_buttons_and_fallback() -> None:
    message = answer_message(answer())
    blocks = message.blocks_json()
    text = _j(blocks)
    assert blocks[0]["type"] == "header"
    assert (
        "Conversion fell from 3.1% to 2.6% (-0.5 pts); Northeast mobile explains 82% &lt;of it&gt;."
        in text
    )
    assert "*Conversion rate change*\\n-0.5%" in text  # a rate fact shown as percent
    assert "*Sessions*\\n120,345" in text
    assert "rate effect" in text and "explains 82.0%" in text
    assert (
        "Understood as: explain · conversion_rate · Dec 8 – Dec 14, 2025 vs Dec 1 – Dec 7, 2025"
        in text
    )
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["scout_show_sql", "scout_feedback_up", "scout_feedback_down"]
    assert message.text.startswith("Conversion fell from 3.1%")


def test_every_message_kind_has_a_text_fallback() -> None:
    messages = [
        answer_message(Reply()),
        answer_message(Reply(error="The warehouse is not reachable <now>.")),
        answer_message(clarifying()),
        answer_message(proposing(needs_approval=True)[0]),
        progress_message("why?", ["step 1"]),
        sql_message([conversion_finding()]),
    ]
    for message in messages:
        assert message.text.strip()
        assert message.blocks_json()
    assert answer_message(Reply(error="x <y>")).text == "x &lt;y&gt;"


def test_many_findings_stay_within_50_blocks_and_keep_the_buttons() -> None:
    reply = Reply(findings=tuple(conversion_finding() for _ in range(30)))
    blocks = answer_message(reply).blocks_json()
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["block_id"] == "scout_answer_buttons"
    assert "more part(s) not shown" in _j(blocks[-2])


def test_section_text_is_capped_at_3000_characters() -> None:
    huge = replace(conversion_finding(), summary="x" * 10_000)
    for text in _sections(answer_message(Reply(findings=(huge,))).blocks_json()):
        assert len(text) <= 3000


def test_a_long_table_goes_as_a_csv_file() -> None:
    rows = tuple((f"product {i} <b>", i * 1.5, i) for i in range(200))
    finding = replace(
        conversion_finding(), table=Table(columns=("product", "revenue", "units"), rows=rows)
    )
    message = answer_message(Reply(findings=(finding,)))
    table_text = next(t for t in _sections(message.blocks_json()) if "```" in t)
    assert "First 15 of 200 rows; full table attached as table-1.csv" in table_text
    assert "product 3 &lt;b&gt;" in table_text
    [upload] = message.files
    parsed = list(csv.reader(io.StringIO(upload.content.decode())))
    assert parsed[0] == ["product", "revenue", "units"] and len(parsed) == 201
    assert parsed[200] == ["product 199 <b>", "298.5", "199"]


def test_a_short_table_stays_inline() -> None:
    finding = replace(
        conversion_finding(), table=Table(columns=("region", "revenue"), rows=(("NE", 1200.5),))
    )
    message = answer_message(Reply(findings=(finding,)))
    assert message.files == ()
    assert any("NE      1,200" in t for t in _sections(message.blocks_json()))


def test_clarification_buttons_carry_tokens_the_core_maps_back() -> None:
    reply = clarifying()
    assert reply.clarification is not None
    options = reply.clarification.options
    buttons = answer_message(reply).blocks_json()[-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Revenue", "Orders"]
    assert [b["action_id"] for b in buttons] == ["scout_choose_0", "scout_choose_1"]
    assert [parse_option_token(b["value"], options) for b in buttons] == [0, 1]
    assert parse_option_token("1.ffffff", options) is None  # outdated question
    assert parse_option_token("7." + option_token(1, options[1])[2:], options) is None


def test_proposals_show_do_it_or_approve_reject_and_the_recorded_outcome() -> None:
    allowed = _j(answer_message(proposing(needs_approval=False)[0]).blocks_json())
    assert "scout_do_0" in allowed and "scout_approve" not in allowed
    reply, proposed = proposing(needs_approval=True)
    blocks = answer_message(reply).blocks_json()
    text = _j(blocks)
    assert "scout_approve_0" in text and "scout_reject_0" in text and '"confirm"' in text
    done = replace(
        proposed,
        status=ActionStatus.EXECUTED,
        decided_by="U42",
        decided_at=datetime(2025, 12, 15, 10, 30, tzinfo=UTC),
        result="sent <ok>",
    )
    updated = _j(with_decision(blocks, done))
    assert "scout_approve_0" not in updated
    assert "*Executed* — decided by <@U42> at <!date^1765794600^" in updated
    assert "|2025-12-15 10:30 UTC>: sent &lt;ok&gt;" in updated
    forged = replace(done, decided_by="<!channel>")
    assert "<!channel>" not in _j(with_decision(blocks, forged))


def test_sql_message_puts_long_queries_in_a_file() -> None:
    long_sql = "SELECT " + ", ".join(f"col_{i}" for i in range(800)) + " FROM t"
    finding = replace(
        conversion_finding(),
        evidence=(
            Evidence(sql="SELECT 1 WHERE a < 2", description="tiny"),
            Evidence(sql=long_sql, description="wide"),
        ),
    )
    message = sql_message([finding])
    text = _j(message.blocks_json())
    assert "SELECT 1 WHERE a &lt; 2" in text and "attached as query-2.sql" in text
    assert message.files[0].content.decode() == long_sql


async def test_home_view_lists_pending_approvals_and_watchlist() -> None:
    core = ScriptedCore()
    core._remember(ThreadRef(channel="C", thread_ts="1"), proposing(needs_approval=True)[0])
    view = home_view(await core.home("U1")).to_dict()
    text = _j(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "scout_approve_0" in text and "Revenue*: 123,456" in text and "(-12.0%)" in text


def test_findings_without_evidence_have_no_sql_button() -> None:
    bare = Finding(kind="lookup", title="Revenue", summary="Revenue was $1.2M.")
    ids = _j(answer_message(Reply(findings=(bare,))).blocks_json())
    assert "scout_show_sql" not in ids and "scout_feedback_up" in ids
