"""Block Kit builders: limits, escaping, fallbacks, buttons (pure, no Slack)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from agent.domain import Evidence, Finding, Table
from bot.blocks import (
    MAX_BLOCKS,
    TABLE_ROWS_NATIVE,
    answer_message,
    escape,
    progress_message,
    sql_message,
    with_decision,
    with_feedback,
)
from bot.core import ActionStatus, Reply, ThreadRef, option_token, parse_option_token
from bot.home_blocks import home_view
from bot.listeners.events import question_text
from bot.text import cell_text, fmt_number, quantity, quantity_change
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
    # The sentence carries the numbers; raw facts (0.031, True, dicts) are never shown.
    assert "*Sessions*" not in text and "True" not in text and "{'" not in text
    assert "from its own rate" in text and "explains 82.0% of the change" in text
    assert (
        "Understood as: explain · conversion rate · Dec 8 – Dec 14, 2025 vs Dec 1 – Dec 7, 2025"
        in text
    )
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["scout_show_sql"]
    feedback = blocks[-1]
    assert feedback["type"] == "context_actions" and feedback["block_id"] == "scout_feedback"
    [buttons] = feedback["elements"]
    assert buttons["type"] == "feedback_buttons" and buttons["action_id"] == "scout_feedback"
    assert buttons["positive_button"]["value"] == "scout_feedback_up"
    assert buttons["negative_button"]["value"] == "scout_feedback_down"
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
    assert [b["block_id"] for b in blocks[-2:]] == ["scout_answer_buttons", "scout_feedback"]
    assert "more part(s) not shown" in _j(blocks[-3])


def test_section_text_is_capped_at_3000_characters() -> None:
    huge = replace(conversion_finding(), summary="x" * 10_000)
    for text in _sections(answer_message(Reply(findings=(huge,))).blocks_json()):
        assert len(text) <= 3000


def test_a_long_table_is_a_native_table_of_its_head_with_the_full_csv() -> None:
    rows = tuple((f"product {i} <b>", i * 1.5, i) for i in range(200))
    finding = replace(
        conversion_finding(), table=Table(columns=("product", "revenue", "units"), rows=rows)
    )
    message = answer_message(Reply(findings=(finding,)))
    (table,) = [b for b in message.blocks_json() if b["type"] == "table"]
    cells = [[c["text"] for c in row] for row in table["rows"]]
    assert cells[0] == ["Product", "Revenue", "Units"]
    assert cells[4] == ["product 3 <b>", "4.50", "3"]  # raw text: Slack shows it as is
    assert len(cells) == 1 + TABLE_ROWS_NATIVE
    assert table["column_settings"][1] == {"align": "right"}  # numbers line up
    [upload] = message.files
    parsed = list(csv.reader(io.StringIO(upload.content.decode())))
    assert parsed[0] == ["product", "revenue", "units"] and len(parsed) == 201
    assert parsed[200] == ["product 199 <b>", "298.5", "199"]


def test_a_time_series_shows_its_latest_rows() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(60)]
    finding = replace(
        conversion_finding(),
        table=Table(columns=("day", "orders"), rows=tuple((d, i) for i, d in enumerate(days))),
    )
    (table,) = [
        b for b in answer_message(Reply(findings=(finding,))).blocks_json() if b["type"] == "table"
    ]
    assert table["rows"][-1][0]["text"] == "2025-03-01"  # the most recent day, not Jan 25
    assert table["rows"][1][0]["text"] == (days[-TABLE_ROWS_NATIVE]).isoformat()


def test_a_short_table_stays_whole_and_a_second_table_is_text() -> None:
    first = replace(
        conversion_finding(),
        table=Table(columns=("region", "revenue", "ok"), rows=(("NE", 1200.5, True),)),
    )
    second = replace(first, title="Another table")
    message = answer_message(Reply(findings=(first, second)))
    assert message.files == ()
    blocks = message.blocks_json()
    assert [b["type"] for b in blocks].count("table") == 1  # Slack allows one per message
    (table,) = [b for b in blocks if b["type"] == "table"]
    assert [c["text"] for c in table["rows"][1]] == ["NE", "1,200", "yes"]
    assert any("NE      1,200" in t for t in _sections(blocks))


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


def test_sql_message_shows_bound_values_in_the_code_not_as_pairs_in_prose() -> None:
    evidence = Evidence(
        sql="SELECT 1 WHERE d >= $start AND region = $f_region",
        params={"start": date(2025, 12, 8), "f_region": "West"},
        description="Conversion rate, Dec 8 – Dec 14, 2025, in West",
    )
    [block] = sql_message([replace(conversion_finding(), evidence=(evidence,))]).blocks_json()
    head, code = block["text"]["text"].split("\n", 1)
    assert head == "*1. Conversion rate, Dec 8 – Dec 14, 2025, in West*"
    # Whoever copies the query sees each placeholder's value next to it, as SQL comments.
    assert code.startswith("```\n-- start: 2025-12-08\n-- f_region: West\nSELECT 1")


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


def test_values_read_as_people_write_them() -> None:
    assert fmt_number(771.0) == "771" and fmt_number(2.644e-06) == "≈0"
    assert cell_text("converted", False) == "no"
    assert cell_text("where", {"device": "desktop"}) == "device=desktop"
    assert cell_text("conversion_rate", 0.03137) == "3.1%"
    # A rate's own columns read as the rate; other units as plain numbers, like the metric.
    assert cell_text("baseline", 0.034, "percent") == "3.40%"
    assert cell_text("rate_effect", -0.011, "percent") == "-1.10 pp"
    assert cell_text("baseline", 16418.0, "currency") == "16,418"
    assert cell_text("segment", "West", "currency") == "West"
    assert quantity(0.0480, "percent") == "4.80%" and quantity(24243.0, "currency") == "$24,243"
    assert quantity_change(-0.0191, "percent") == "-1.91 pp"
    assert quantity_change(-12068.0, "currency") == "-$12,068"


def test_a_question_is_escaped_once_in_the_placeholder() -> None:
    # Slack sends "R&D <b>" as "R&amp;D &lt;b&gt;"; the placeholder must show it as typed.
    asked = question_text("<@UBOT> revenue for R&amp;D &lt;b&gt;")
    assert asked == "revenue for R&D <b>"
    shown = progress_message(asked, []).blocks_json()[0]["text"]["text"]
    assert "R&amp;D &lt;b&gt;" in shown and "&amp;amp;" not in shown


def test_the_plain_form_keeps_the_numbers_and_attaches_the_table() -> None:
    finding = replace(
        conversion_finding(),
        table=Table(
            columns=("region", "revenue"), rows=(("West <b>", 11165.2), ("Midwest", 10289.0))
        ),
    )
    rich = answer_message(Reply(findings=(finding,)))
    assert rich.files == ()  # the whole table fits the table block: no CSV beside it
    plain = rich.simplified()
    assert plain.blocks == ()
    assert "*Conversion rate fell in the Northeast*" in plain.text
    assert "West &lt;b&gt;  11,165" in plain.text and "Midwest   10,289" in plain.text
    assert "explains 82.0% of the change" in plain.text  # the root causes stay
    assert "scout_" not in plain.text  # buttons are dropped
    [table] = plain.files
    rows = list(csv.reader(io.StringIO(table.content.decode())))
    assert rows == [["region", "revenue"], ["West <b>", "11165.2"], ["Midwest", "10289.0"]]


def test_a_vote_is_shown_once_per_person_and_moves_when_changed() -> None:
    blocks = answer_message(answer(chart=False)).blocks_json()
    once = with_feedback(blocks, "UANA", True)
    twice = with_feedback(with_feedback(once, "UANA", True), "UBEN", True)
    changed = with_feedback(twice, "UANA", False)

    def shown(result: list[dict]) -> tuple[str, str, str]:
        [control] = [b for b in result if b["type"] == "context_actions"]
        votes = next(b for b in result if b.get("block_id") == "scout_feedback_votes")
        buttons = control["elements"][0]
        return (
            buttons["positive_button"]["text"]["text"],
            buttons["negative_button"]["text"]["text"],
            votes["elements"][0]["text"],
        )

    assert shown(once) == ("👍 Helpful (1)", "👎 Not helpful", "Feedback recorded: <@UANA> :+1:")
    assert shown(twice)[0] == "👍 Helpful (2)"
    assert shown(changed) == (
        "👍 Helpful (1)",
        "👎 Not helpful (1)",
        "Feedback recorded: <@UBEN> :+1: · <@UANA> :-1:",
    )
    assert changed[: len(blocks) - 1] == blocks[:-1]  # the answer itself is untouched
    assert with_feedback(blocks, "<!channel>", True) == blocks  # not a user id: no change
