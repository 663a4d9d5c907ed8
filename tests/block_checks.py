"""Checks for a Block Kit payload: slack_sdk's models accept it, and no raw value shows.

`problems(payload)` lists everything wrong with one message's blocks or one view, so a test
reports every renderer at fault at once; `call_problems(method, body)` applies the same checks
to one Web API call as the fake Slack received it, which is how every test that talks to
`FakeSlack` has its payloads checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
# The table block (docs.slack.dev/reference/block-kit/blocks/table-block): up to 100 rows of
# up to 20 cells, each raw_text, raw_number or rich_text; up to 20 column settings.
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
TABLE_CELL_TYPES = frozenset({"raw_text", "raw_number", "rich_text"})

# Keys whose strings are identifiers or tokens, never read by a person.
_NOT_READ = frozenset(
    {
        "type",
        "action_id",
        "block_id",
        "value",
        "style",
        "url",
        "image_url",
        "callback_id",
        "external_id",
        "private_metadata",
    }
)
RAW_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Python dict or list literal", re.compile(r"\{'|\['|': ")),
    ("an enum repr", re.compile(r"\b(?:Intent|ActionStatus|Decision|Kind)\.[A-Z_]+\b")),
    ("an object repr", re.compile(r"<[A-Za-z_][\w.]*(?: object at 0x[0-9a-f]+)?>|object at 0x")),
    ("an unformatted float", re.compile(r"\d\.\d{5,}")),
    # English starts a clause with "None" ("Open anomalies: None in the last 7 days"); a
    # Python None stands alone or before a value ("Value: None", "None nan").
    (
        "None",
        re.compile(
            r"\bNone\b(?! (?:in|of|yet|so|since|for|found|left|were|was|are|is|has|have|to|"
            r"this|today)\b)"
        ),
    ),
    ("nan or inf", re.compile(r"\b(?:nan|NaN|inf)\b")),
    ("a Python bool", re.compile(r"\b(?:True|False)\b")),
    ("a JSON object", re.compile(r'\{"\w+": ')),
    # Planner internals: a rule's configuration key, a signal's id label, a bare score.
    ("an internal rule key", re.compile(r"\brule [a-z0-9]+(?:_[a-z0-9]+)+\b")),
    ("an internal signal label", re.compile(r"\b\w+(?:\[[^\]]*\])?@\d{4}-\d{2}-\d{2}")),
    ("a segment key", re.compile(r"\b\w+\[\w+=[^\]]*\]")),
    ("a raw score", re.compile(r"\b(?:anomaly|change|level) [+-]\d+\.\d+\b(?!%)")),
)
# What only prose must not show: tables may name a segment's dimensions (their cells are
# looked up, not read aloud) and code is code. A sentence or a title says 'West', 'organic
# traffic × desktop', never `region=West` (format_segment's "words" style).
PROSE_ONLY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a dimension=value pair", re.compile(r"\b[a-z][a-z_]*\s?=\s?[A-Za-z]")),
)
_QUOTED = re.compile(r"^>.*$", re.MULTILINE)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def problems(
    payload: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, view: bool = False
) -> list[str]:
    """What is wrong with a message's blocks (a list) or a view (a mapping with blocks)."""
    found: list[str] = []
    blocks = list(payload.get("blocks") or []) if isinstance(payload, Mapping) else list(payload)
    limit = MAX_VIEW_BLOCKS if view else MAX_MESSAGE_BLOCKS
    if len(blocks) > limit:
        found.append(f"{len(blocks)} blocks (at most {limit})")
    for index, block in enumerate(blocks):
        found.extend(f"block {index} ({block.get('type')}): {p}" for p in block_problems(block))
    found.extend(raw_value_problems(payload))
    return found


# The Web API methods (and the response_url) whose bodies carry a message, and what in the
# other methods a person reads as prose.
MESSAGE_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "response_url",
    }
)
VIEW_METHODS = frozenset({"views.publish", "views.open", "views.update", "views.push"})
READ_FIELDS: Mapping[str, tuple[str, ...]] = {
    "files.completeUploadExternal": ("initial_comment", "files"),
    "assistant.threads.setStatus": ("status",),
    "assistant.threads.setTitle": ("title",),
    "assistant.threads.setSuggestedPrompts": ("title", "prompts"),
}


def call_problems(method: str, body: Mapping[str, Any]) -> list[str]:
    """What is wrong with one call's message, view or read text; form bodies carry their
    structured fields JSON-encoded, so those are decoded first."""
    if method in MESSAGE_METHODS:
        found = []
        blocks = _decoded(body.get("blocks"))
        if blocks is not None:
            if not isinstance(blocks, list) or not all(isinstance(b, Mapping) for b in blocks):
                found.append(f"blocks is not a list of blocks: {str(blocks)[:80]!r}")
            else:
                found.extend(problems(blocks))
        found.extend(f"text: {p}" for p in raw_value_problems({"text": body.get("text") or ""}))
        return found
    if method in VIEW_METHODS:
        view = _decoded(body.get("view"))
        if not isinstance(view, Mapping):
            return [f"view is not an object: {str(view)[:80]!r}"]
        return problems(view, view=True)
    read = {name: _decoded(body[name]) for name in READ_FIELDS.get(method, ()) if name in body}
    return raw_value_problems(read)


def block_problems(block: Mapping[str, Any]) -> list[str]:
    """slack_sdk must know the block, build it and produce the same JSON back."""
    try:
        parsed = Block.parse(dict(block))
    except (SlackObjectFormationError, TypeError, ValueError) as error:
        return [f"slack_sdk refuses it: {error}"]
    if parsed is None or type(parsed) is Block:
        return ["unknown block type"]
    try:
        again = parsed.to_dict()  # validates the block and everything in it
    except SlackObjectFormationError as error:
        return [f"invalid: {error}"]
    found = [] if _same(again, block) else ["fields slack_sdk does not know were dropped"]
    if block.get("type") == "table":
        found.extend(table_problems(block))
    return found


def table_problems(block: Mapping[str, Any]) -> list[str]:
    rows = block.get("rows") or []
    found = []
    if not 1 <= len(rows) <= MAX_TABLE_ROWS:
        found.append(f"{len(rows)} rows (1 to {MAX_TABLE_ROWS})")
    widths = {len(row) for row in rows}
    if len(widths) > 1 or max(widths, default=0) > MAX_TABLE_CELLS:
        found.append(f"row widths {sorted(widths)} (one width, at most {MAX_TABLE_CELLS})")
    for row in rows:
        for cell in row:
            if cell.get("type") not in TABLE_CELL_TYPES:
                found.append(f"cell of type {cell.get('type')!r}")
            elif cell["type"] == "raw_text" and not str(cell.get("text", "")).strip():
                found.append("an empty raw_text cell")
    if len(block.get("column_settings") or ()) > MAX_TABLE_CELLS:
        found.append("more than 20 column settings")
    return found


def raw_value_problems(payload: Any) -> list[str]:
    """Text a person reads that shows a Python value instead of a formatted one."""
    found = []
    for text in read_texts(payload):
        for what, pattern in RAW_VALUES:
            match = pattern.search(text)
            if match:
                found.append(f"{what} ({match.group(0)!r}) in {text[:160]!r}")
    for text in read_texts(payload, prose=True):
        for what, pattern in PROSE_ONLY:
            match = pattern.search(_CODE.sub("", text))
            if match:
                found.append(f"{what} ({match.group(0)!r}) in {text[:160]!r}")
    return found


def read_texts(value: Any, key: str = "", *, prose: bool = False) -> Iterator[str]:
    """Every string a person reads in a payload; with `prose`, not a table block's cells."""
    if isinstance(value, str):
        if key not in _NOT_READ:
            yield _without_slack_markup(value)
    elif isinstance(value, Mapping):
        if prose and value.get("type") == "table":
            return
        for k, v in value.items():
            yield from read_texts(v, str(k), prose=prose)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from read_texts(item, key, prose=prose)


def _without_slack_markup(text: str) -> str:
    """Mentions, dates and links Scout writes on purpose are Slack syntax, not raw values;
    a quoted line (`>`) is a person's words shown back as they wrote them (a question may
    well say `region=West`), not Scout's."""
    text = re.sub(r"<(?:[@#!][^>]*|https?://[^>]*|mailto:[^>]*)>", "", text)
    return _QUOTED.sub("", text)


def _decoded(value: Any) -> Any:
    """A JSON-encoded list or object decoded; any other value (prose included) as it is."""
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _same(built: Any, sent: Any) -> bool:
    """Equal JSON, ignoring values slack_sdk fills in by default."""
    if isinstance(built, Mapping) and isinstance(sent, Mapping):
        keys = set(built) | set(sent)
        return all(
            _same(built.get(k), sent.get(k)) for k in keys if not (k == "emoji" and k not in sent)
        )
    if isinstance(built, list) and isinstance(sent, list):
        return len(built) == len(sent) and all(
            _same(a, b) for a, b in zip(built, sent, strict=True)
        )
    return built == sent
