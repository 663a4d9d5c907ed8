"""The demo warehouse with corpus strings planted in its text fields (issue 18).

A copy of the session's demo warehouse: every category label, support ticket topic and
product name gets a corpus string after its own word, with hand-written DuckDB SQL, so the
answers, digests, alerts, CSVs, charts and emails built from them carry the strings to every
outbound channel. What was planted is returned, to scan for it afterwards.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
import pytest_asyncio

from agent.act.webhooks import SECRET_ENV
from agent.config import ScoutConfig
from agent.demo_data import GeneratedWarehouse
from agent.deps import open_deps
from agent.service import ScoutService
from agent.warehouse import DuckDBWarehouse
from bot.app import build_scout
from tests.agent.act.conftest import FakeClock
from tests.bot.conftest import settings_for
from tests.bot.real_env import NOW, RealEnv
from tests.bot.slack_requests import event_request, mention
from tests.conftest import TODAY
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook_receiver import SECRET
from tests.fixtures.pii_corpus import CORPUS, Expect, Sample, by_category
from tests.fixtures.pii_scan import EMAIL, fold, live_mentions

CATEGORIES = ("electronics", "apparel", "home", "beauty", "sports", "toys")
TOPICS = ("delivery", "refund", "product_quality", "billing", "account", "other")


def _pick(category: str, n: int, start: int = 0) -> list[Sample]:
    return by_category()[category][start : start + n]


# Near-misses are shown where category labels are shown, so their survival is checked there.
CATEGORY_SAMPLES = (
    _pick("card", 1)[0], _pick("mention", 1)[0], _pick("email", 1)[0],
    _pick("link", 1)[0], *_pick("near_miss", 2, start=8),
)  # fmt: skip
TOPIC_SAMPLES = (
    _pick("iban", 1, start=1)[0], _pick("phone", 1)[0], _pick("mention", 1, start=6)[0],
    _pick("invisible", 1, start=6)[0], _pick("mention", 1, start=21)[0],
    _pick("address", 1)[0],
)  # fmt: skip
PRODUCT_SAMPLES = (
    *_pick("card", 6, start=3), *_pick("email", 5, start=7), *_pick("phone", 4, start=9),
    *_pick("iban", 3, start=10), *_pick("address", 3, start=4), *_pick("mention", 6, start=9),
    *_pick("link", 3, start=2), *_pick("invisible", 2, start=7), *_pick("near_miss", 4),
)  # fmt: skip


def planted() -> tuple[Sample, ...]:
    return (*CATEGORY_SAMPLES, *TOPIC_SAMPLES, *PRODUCT_SAMPLES)


def plant(source: Path, target: Path) -> dict[str, str]:
    """Copy `source` to `target` and plant the corpus; returns {product_id: planted name}."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE column_name IN ('category', 'landing_category')"
        ).fetchall()
        for word, sample in zip(CATEGORIES, CATEGORY_SAMPLES, strict=True):
            for table, column in columns:
                con.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                    [f"{word} {sample.text}", word],
                )
        for word, sample in zip(TOPICS, TOPIC_SAMPLES, strict=True):
            con.execute(
                "UPDATE support_tickets SET topic = ? WHERE topic = ?",
                [f"{word} {sample.text}", word],
            )
        ids = [r[0] for r in con.execute("SELECT product_id FROM products ORDER BY 1").fetchall()]
        names = {}
        for product, sample in zip(ids, PRODUCT_SAMPLES, strict=False):
            names[product] = f"Mug {sample.text}"
            con.execute(
                "UPDATE products SET product_name = ? WHERE product_id = ?",
                [names[product], product],
            )
    return names


# Every corpus string, tagged, spread over the labels answers group by. Which column holds how
# many: the answers asked for in test_pii_every_entry show every value of these columns.
EVERY_COLUMNS = ("state", "channel", "category", "topic", "device")
_HOME = {"topic": "support_tickets", "category": "products"}  # where each column's values live
_TAG = re.compile(r"\bxq[a-z]{2}\b")


def tag(index: int) -> str:
    """The marker planted in front of corpus entry `index`: letters only, so it never joins a
    digit run, and found again in outbound text whatever was redacted after it."""
    return "xq" + chr(97 + index // 26) + chr(97 + index % 26)


def tags_in(text: str) -> set[str]:
    return set(_TAG.findall(fold(text)))


def plant_every(source: Path, target: Path) -> dict[str, list[int]]:
    """Copy `source` to `target` with every corpus entry planted once, tagged, after the
    original word of a label in one of `EVERY_COLUMNS` (in every table that has the column);
    returns {original label: the corpus indexes it carries}."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        where = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE column_name IN ('state', 'channel', 'category', 'landing_category', "
            "'topic', 'device')"
        ).fetchall()
        values = [
            (column, value)
            for column in EVERY_COLUMNS
            for (value,) in con.execute(
                f"SELECT DISTINCT {column} FROM {_HOME.get(column, 'sessions')} ORDER BY 1"
            ).fetchall()
        ]
        carried: dict[str, list[int]] = {value: [] for _, value in values}
        for index in range(len(CORPUS)):
            carried[values[index % len(values)][1]].append(index)
        for column, value in values:
            label = " · ".join([value, *(f"{tag(i)} {CORPUS[i].text}" for i in carried[value])])
            for table, col in where:
                if col == column or (column == "category" and col == "landing_category"):
                    con.execute(f"UPDATE {table} SET {col} = ? WHERE {col} = ?", [label, value])
    return carried


def leaks(
    text: str, own_users: frozenset[str] = frozenset(), samples: tuple[Sample, ...] = ()
) -> list[str]:
    """What in outbound `text` must not be there: a live mention of anyone but the people in
    the conversation, an email address, or a fragment of a planted must-redact string (of
    `samples`, by default those `plant` plants)."""
    # Scout may mention the people in the conversation (the asker, the approver) by name.
    for user in own_users:
        text = text.replace(f"<@{user}>", " ")
    found = live_mentions(text)
    found += EMAIL.findall(fold(text))
    folded = fold(text)
    # A near-miss leaves whole by design; a 7-digit phone fragment inside one (the tracking
    # number 1Z999AA10123456784 holds 2345678) is not a leak, so they are not searched.
    for sample in samples or planted():
        if sample.expect is Expect.SURVIVE:
            folded = folded.replace(fold(sample.text), " ")
    digits = re.sub(r"\D", "", folded)
    for sample in samples or planted():
        if sample.expect is not Expect.REDACT:
            continue
        for secret in sample.secrets:
            secret_digits = re.sub(r"\D", "", fold(secret))
            if fold(secret) in folded or (len(secret_digits) >= 9 and secret_digits in digits):
                found.append(secret)
    return found


def png_text(png: bytes) -> str:
    """The text chunks of a PNG (title and description), decoded."""
    out, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"tEXt":
            out.append(data.replace(b"\x00", b": ").decode("latin-1"))
        elif kind == b"iTXt":
            key, _, rest = data.partition(b"\x00")
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\x00")
            _tkey, _, body = rest.partition(b"\x00")
            body = zlib.decompress(body) if compressed else body
            out.append(key.decode() + ": " + body.decode("utf-8"))
        at += 12 + length
    return "\n".join(out)


def sent_text(body: dict[str, Any]) -> str:
    """The parts of a Web API call that people read (not ids or timestamps)."""
    keys = ("text", "blocks", "attachments", "initial_comment", "files", "view", "title")
    return "\n".join(
        v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k in keys
        if (v := body.get(k)) is not None
    )


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def email_text(message: EmailMessage) -> str:
    """What a customer reads in an email: its Subject, the plain part, and the HTML part's
    visible text (tags dropped, entities decoded, so an escaped `&lt;!channel&gt;` shows as
    what it is). The address headers are left out: they must hold addresses."""
    out = [str(message["Subject"])]
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        assert part is not None, f"no {kind} part"
        content = str(part.get_content())
        if kind == "html":
            parser = _Visible()
            parser.feed(content)
            content = "\n".join(parser.parts)
        out.append(content)
    return "\n".join(out)


def webhook_text(body: dict[str, Any]) -> str:
    """A webhook body as a receiver might show it: the JSON, and again with Slack's and
    HTML's escapes decoded (a CRM renders `&lt;` as `<`)."""
    raw = json.dumps(body, ensure_ascii=False)
    decoded = html.unescape(raw.replace("&lt;", "<").replace("&gt;", ">"))
    return raw + "\n" + decoded


async def open_world(
    slack: FakeSlack,
    demo: GeneratedWarehouse,
    root: Path,
    planter: Callable[[Path, Path], object],
    config: Mapping[str, Any],
) -> RealEnv:
    """The real core on a planted copy of the demo warehouse, behind the real Bolt app."""
    from agent.deps import open_deps
    from agent.service import ScoutService
    from agent.warehouse import DuckDBWarehouse

    warehouse = root / "warehouse.duckdb"
    planter(demo.path, warehouse)
    deps = await open_deps(
        ScoutConfig.model_validate(dict(config)),
        warehouse=DuckDBWarehouse(warehouse),
        today=TODAY,
        memory_path=root / "memory.sqlite3",
        clock=lambda: NOW,
    )
    core = ScoutService(deps)
    scout = build_scout(core, settings_for(slack))
    return RealEnv(slack=slack, scout=scout, core=core, warehouse=demo, memory=root)


async def ask_and_wait(env: RealEnv, text: str, ts: str, channel: str) -> None:
    """Mention Scout with `text` in `channel` and wait for its answer in that thread."""
    await env.scout.app.async_dispatch(event_request(mention(text, channel=channel, ts=ts)))
    await env.slack.wait_for(
        "chat.update",
        timeout=60,
        where=lambda c: (
            c.body.get("channel") == channel
            and any(
                m["ts"] == c.body.get("ts") and m.get("thread_ts") == ts for m in env.slack.messages
            )
            and "Scout is" not in str(c.body.get("text", ""))
        ),
    )
    await env.scout.deps.work.drain(30)


def copy_world(source: Path, target: Path) -> None:
    """The demo warehouse copied as it is: for tests whose corpus comes in by another road
    (questions, a proposer's reason), so a planted label cannot be mistaken for theirs."""
    shutil.copy(source, target)


def plant_products_every(source: Path, target: Path) -> dict[str, str]:
    """Copy `source` to `target` with every corpus entry planted once, tagged, in the
    product names (several a product, in product order); returns {product_id: planted name}."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        ids = [r[0] for r in con.execute("SELECT product_id FROM products ORDER BY 1").fetchall()]
        names = {}
        for n, product in enumerate(ids):
            entries = range(n, len(CORPUS), len(ids))
            names[product] = " · ".join(["Mug", *(f"{tag(i)} {CORPUS[i].text}" for i in entries)])
            con.execute(
                "UPDATE products SET product_name = ? WHERE product_id = ?",
                [names[product], product],
            )
    return names


def web_api_sent(slack: FakeSlack, since: int = 0) -> dict[str, str]:
    """What reached the fake Web API after its first `since` calls, by where it went:
    "slack:<channel>:<method>:<n>" (text and blocks) and "file:<n>" (uploaded CSVs, and the
    text drawn in uploaded charts)."""
    out: dict[str, str] = {}
    for n, call in enumerate(slack.calls()[since:], start=since):
        if call.method == "upload":
            raw = slack.uploads[call.body["file_id"]]
            out[f"file:{n}"] = png_text(raw) if raw.startswith(b"\x89PNG") else raw.decode()
        elif not call.body.get("_failed"):
            out[f"slack:{call.body.get('channel')}:{call.method}:{n}"] = sent_text(call.body)
    return out


def tags_at(sent: Mapping[str, str], place: str) -> set[str]:
    """The corpus tags in what went to places whose key starts with `place`."""
    return set().union(*(tags_in(t) for w, t in sent.items() if w.startswith(place)))


def planted_world(
    name: str,
    planter: Callable[[Path, Path], object],
    config: Mapping[str, Any],
    usergroups: Mapping[str, list[str]] | None = None,
) -> tuple[Any, Any]:
    """The module-scoped `fake_slack` and `world` fixtures of a corpus test module: the real
    core on a copy of the demo warehouse planted by `planter`, behind the real Bolt app."""

    @pytest.fixture(scope="module")
    def fake_slack() -> Iterator[FakeSlack]:
        with FakeSlack() as slack:
            slack.usergroups.update(usergroups or {})
            yield slack

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def world(
        fake_slack: FakeSlack,
        demo_warehouse: GeneratedWarehouse,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> AsyncIterator[RealEnv]:
        env = await open_world(
            fake_slack, demo_warehouse, tmp_path_factory.mktemp(name), planter, config
        )
        yield env
        await env.aclose()

    return fake_slack, world


@asynccontextmanager
async def delivering_core(
    path: Path, root: Path, *, smtp_url: str, hooks_url: str, approver: str, clock: FakeClock
) -> AsyncIterator[ScoutService]:
    """The real core on a planted warehouse, wired to deliver: webhooks to `hooks_url` (signed
    with the receiver's secret) and emails through the SMTP server at `smtp_url`."""
    config = ScoutConfig.model_validate(
        {
            "slack": {"approvers": [approver]},
            "integrations": {
                "webhooks": {"support_call": hooks_url, "optimize": hooks_url},
                "email": {
                    "smtp_url": smtp_url,
                    "from": "Demo Shop <hello@shop.test>",
                    "starttls": False,
                    "brand": "Demo Shop",
                },
            },
        }
    )
    with pytest.MonkeyPatch.context() as env:  # read once, when the webhooks are wired
        env.setenv(SECRET_ENV, SECRET)
        deps = await open_deps(
            config,
            warehouse=DuckDBWarehouse(path),
            today=TODAY,
            memory_path=root / "memory.sqlite3",
            clock=clock,
        )
    try:
        yield ScoutService(deps)
    finally:
        await deps.close()
