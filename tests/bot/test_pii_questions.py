"""Every corpus entry, sent inside a question, never leaves live or unredacted (issue 18).

The warehouse side is covered by tests/bot/test_pii_every_entry.py; here the people asking
carry the corpus. Every entry is put, tagged, into the text of a mention (several a question)
sent through the real Bolt app to the real core on the fake Slack Web API. Scout quotes the
question back while it works, so every entry travels; the questions lead with a known metric,
an unknown one (out of scope), a metric its dimension does not have (a question back with
choices), no metric at all (which metric?) and a greeting (help), so the clarification roads
carry entries as well.
Everything that left (Web API text and blocks, uploaded files, outbox rows) is scanned with
the same checker as the other corpus tests, over every corpus entry. The same questions are
then asked again by the two other doors a person uses: `/scout` (whose channel post quotes the
asker's text) and a direct message.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from agent.views import echoed_question
from bot.blocks import ECHO_CHARS  # questions are filled to it: no entry is cut
from tests.bot.pii_world import (
    ask_and_wait,
    copy_world,
    leaks,
    planted_world,
    tag,
    tags_at,
    tags_in,
    web_api_sent,
)
from tests.bot.real_env import RealEnv
from tests.bot.slack_requests import event_request, message, slash
from tests.fixtures.pii_corpus import CORPUS, Expect
from tests.fixtures.pii_scan import unescape_slack

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNEL = "CQUESTION"
OWN_USERS = frozenset({"UASKER"})
CONFIG = {"slack": {"digest_channel": "CDIGEST", "alerts_channel": "CALERTS"}}
# What each question asks before its corpus entries, in turn: an answer, a metric Scout does
# not have (out of scope, with what it can do), a question back offering choices, a question
# back asking which metric, and a greeting (help).
LEADS = (
    "revenue last week",
    "what is the frobnication rate",
    "revenue by category last month",
    "break down last week by device",
    "hello",
)


def questions() -> list[str]:
    """Every corpus entry once, tagged, packed into as few questions as the echo holds."""
    out: list[str] = []
    pieces: list[str] = []
    for index, sample in enumerate(CORPUS):
        piece = f"{tag(index)} {sample.text}"
        lead = LEADS[len(out) % len(LEADS)]
        if pieces and len(echoed_question(" · ".join([lead, *pieces, piece]))) > ECHO_CHARS:
            out.append(" · ".join([lead, *pieces]))
            pieces = []
        pieces.append(piece)
    out.append(" · ".join([LEADS[len(out) % len(LEADS)], *pieces]))
    return out


fake_slack, world = planted_world("pii_questions", copy_world, CONFIG)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def everything_sent(world: RealEnv) -> dict[str, str]:
    """Every question asked once, each in its own thread; what left, by where it went."""
    for n, question in enumerate(questions()):
        await ask_and_wait(world, question, f"1765790003.{n:06d}", CHANNEL)
    out = web_api_sent(world.slack)
    for row in await world.core.deps.act.outbox(limit=500):
        out[f"outbox:{row.id}"] = row.text
    return out


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def other_doors_sent(world: RealEnv, everything_sent: dict[str, str]) -> dict[str, str]:
    """The same questions by `/scout` (even ones) and by direct message (odd ones), after the
    mentions; only what left after them."""
    since = len(world.slack.calls())
    before = {row.id for row in await world.core.deps.act.outbox(limit=500)}
    for n, question in enumerate(questions()):
        if n % 2 == 0:
            request = slash(question, channel=CHANNEL)
        else:
            dm = message(question, channel="DASKER", channel_type="im", ts=f"1765790004.{n:06d}")
            request = event_request(dm)
        assert (await world.scout.app.async_dispatch(request)).status == 200
    await world.scout.deps.work.drain(120)
    out = web_api_sent(world.slack, since)
    for row in await world.core.deps.act.outbox(limit=500):
        if row.id not in before:
            out[f"outbox:{row.id}"] = row.text
    return out


async def test_nothing_asked_leaves_live_or_unredacted(everything_sent: dict[str, str]) -> None:
    found = {w: bad for w, t in everything_sent.items() if (bad := leaks(t, OWN_USERS, CORPUS))}
    assert found == {}


async def test_every_entry_asked_was_quoted_back_to_slack(
    everything_sent: dict[str, str],
) -> None:
    # The tag in front of each entry shows it travelled (whatever was redacted after it),
    # so the scan above read every entry where it was shown, not only some.
    shown = tags_at(everything_sent, "slack:")
    assert shown == {tag(i) for i in range(len(CORPUS))}
    assert len(questions()) < len(CORPUS) // 4, "several entries a question"


async def test_the_clarification_roads_were_taken(everything_sent: dict[str, str]) -> None:
    answers = "\n".join(t for w, t in everything_sent.items() if w.startswith("outbox:"))
    assert "Which metric should I look at?" in answers
    assert "What should I show instead?" in answers
    assert "Here is what I can do." in answers


async def test_near_misses_are_quoted_whole(everything_sent: dict[str, str]) -> None:
    # Over-redaction is a failure too: a date, a price or an order number in a question is
    # quoted back as it was asked (Slack's own escapes aside).
    shown = unescape_slack(
        "\n".join(t for w, t in everything_sent.items() if w.startswith("slack:"))
    )
    missing = [
        sample.text
        for index, sample in enumerate(CORPUS)
        if sample.expect is Expect.SURVIVE and f"{tag(index)} {sample.text}" not in shown
    ]
    assert missing == []


async def test_slash_commands_and_direct_messages_leak_nothing_either(
    other_doors_sent: dict[str, str],
) -> None:
    found = {w: bad for w, t in other_doors_sent.items() if (bad := leaks(t, OWN_USERS, CORPUS))}
    assert found == {}
    shown = set().union(
        *(tags_in(t) for w, t in other_doors_sent.items() if w.startswith("slack:"))
    )
    assert shown == {tag(i) for i in range(len(CORPUS))}, "every entry came back by both doors"
    posted = [
        t
        for w, t in other_doors_sent.items()
        if w.startswith("slack:") and ":chat.postMessage:" in w
    ]
    assert any("asked:" in t for t in posted), "the /scout anchor quotes the asker"
    answers = [w for w in other_doors_sent if w.startswith("outbox:")]
    assert len(answers) >= len(questions()), "each question answered through the actor"
