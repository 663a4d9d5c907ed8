"""Pure Block Kit builders: a Reply (or a progress, an error, a decision) → a Slack message.

No I/O here. Every message carries a plain-text fallback; user and data text is escaped; the
Block Kit limits (50 blocks, 3,000 characters per section, 10 fields, 75-character buttons)
are enforced here, so Slack never rejects a message at answer time. A table too long for a
section goes out as a CSV file instead.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextActionsBlock,
    ContextBlock,
    DividerBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    PlanBlock,
    SectionBlock,
    TableBlock,
    TaskCardBlock,
)

from agent.act.rules import format_money, to_cents
from agent.domain import (
    Clarification,
    Evidence,
    Finding,
    Goal,
    Table,
    describe_decision,
    format_segment,
)
from agent.views import ProgressView, StepState, echoed_question
from bot.core import ActionStatus, ProposedAction, Reply, option_token
from bot.text import (
    fmt_number,
    humanise,
    is_number,
    quantity,
    quantity_change,
    row_texts,
)

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_BUTTON = 75
MAX_HEADER = 150
MAX_FALLBACK = 3000
# Slack truncates a message's text field at 40,000 characters; a readable answer is far shorter.
MAX_PLAIN = 3900
TABLE_ROWS_INLINE = 15
TABLE_ROWS_NATIVE = 25  # readable on a phone; the full table follows as a CSV

ACTION_SHOW_SQL = "scout_show_sql"
# 👍/👎 is one feedback_buttons element; its two values say which was pressed. Answers
# posted before it had two buttons with these ids as action ids, still handled.
ACTION_FEEDBACK = "scout_feedback"
ACTION_FEEDBACK_UP = "scout_feedback_up"
ACTION_FEEDBACK_DOWN = "scout_feedback_down"
FEEDBACK_BLOCK = "scout_feedback"
FEEDBACK_VOTES_BLOCK = "scout_feedback_votes"
MAX_VOTERS_SHOWN = 50
# Several buttons of one kind share a message, and action ids must be unique per message,
# so these are prefixes; listeners match them with the regexes below.
ACTION_CHOOSE = "scout_choose"
ACTION_DO = "scout_do"
ACTION_APPROVE = "scout_approve"
ACTION_REJECT = "scout_reject"
CHOOSE_RE = re.compile(rf"^{ACTION_CHOOSE}_\d+$")
DO_RE = re.compile(rf"^{ACTION_DO}_\d+$")
APPROVE_RE = re.compile(rf"^{ACTION_APPROVE}_\d+$")
REJECT_RE = re.compile(rf"^{ACTION_REJECT}_\d+$")
ACTION_BLOCK_PREFIX = "scout_action:"
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True, kw_only=True)
class FileUpload:
    """A file to upload into the thread next to the message (chart PNG, full table CSV)."""

    filename: str
    content: bytes
    title: str
    alt_text: str = ""


@dataclass(frozen=True, kw_only=True)
class Message:
    """A rendered message: the text fallback, its blocks, the files that follow it, and the
    files only its plain form needs (a table shown natively, as CSV)."""

    text: str
    blocks: tuple[Block, ...]
    files: tuple[FileUpload, ...] = ()
    plain_files: tuple[FileUpload, ...] = ()

    def blocks_json(self) -> list[dict[str, Any]]:
        """The blocks as Slack's JSON (validated by slack_sdk on the way)."""
        return [b.to_dict() for b in self.blocks]

    def with_note(self, note: str) -> Message:
        """The message with a small note at its end (what is switched off, and why)."""
        if not self.blocks:
            return replace(self, text=truncate(f"{self.text}\n_{escape(note)}_", MAX_PLAIN))
        blocks = (*self.blocks, _context(f"_{escape(note)}_"))
        return replace(self, blocks=blocks[:MAX_BLOCKS])

    def simplified(self) -> Message:
        """The same message with no blocks: their text as mrkdwn, tables also as CSV files.

        What is sent when Slack refuses the blocks (invalid_blocks, too long), so an answer
        is never lost; buttons are dropped, the numbers stay."""
        parts = [text for block in self.blocks if (text := _block_text(block))]
        text = truncate("\n\n".join(parts) or self.text, MAX_PLAIN)
        return Message(text=text, blocks=(), files=self.files + self.plain_files)


# --------------------------------------------------------------------------- text helpers


def escape(text: str) -> str:
    """Escape Slack mrkdwn control characters so data never becomes a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# How much of a question Scout shows back (the placeholder, progress, the /scout anchor).
ECHO_CHARS = 300


def echo(question: str) -> str:
    """The asker's words as Scout shows them back: redacted, cut; not yet escaped."""
    return truncate(echoed_question(question), ECHO_CHARS)


def quote(text: str) -> str:
    """Someone's words shown as a Slack quote, escaped, every line marked: italics would
    break on a pasted multi-line question and show its underscores."""
    return "\n".join(f">{escape(line)}" for line in text.splitlines() or [""])


def mention(user: str | None) -> str:
    """<@U…> for a well-formed user id; anything else is shown as escaped text."""
    if user and USER_ID_RE.match(user):
        return f"<@{user}>"
    return escape(user or "someone")


def _section(text: str, *, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, MAX_SECTION)), block_id=block_id
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, MAX_SECTION))])


def _button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, MAX_BUTTON), emoji=True),
        action_id=action_id,
        value=truncate(value, 2000),
        style=style,
        confirm=confirm,
    )


def _block_text(block: Block) -> str:
    """A block's text as mrkdwn for the plain form of a message ("" for buttons)."""
    if isinstance(block, HeaderBlock) and block.text is not None:
        return f"*{escape(block.text.text)}*"
    if isinstance(block, SectionBlock):
        texts = [block.text, *(block.fields or ())]
        return "\n".join(t.text for t in texts if isinstance(t, MarkdownTextObject))
    if isinstance(block, ContextBlock):
        return " ".join(e.text for e in block.elements if isinstance(e, MarkdownTextObject))
    if isinstance(block, TableBlock):
        rows = [[_cell_text(cell) for cell in row] for row in block.rows]
        return _monospace(rows[0], rows[1:]) if rows else ""
    return ""


def _cell_text(cell: object) -> str:
    text = cell.get("text") if isinstance(cell, dict) else getattr(cell, "text", None)
    return text if isinstance(text, str) else ""


def _limit(blocks: list[Block], note: str = "") -> tuple[Block, ...]:
    """At most MAX_BLOCKS blocks: keep the head and the closing buttons, say what was cut."""
    if len(blocks) <= MAX_BLOCKS:
        return tuple(blocks)
    tail = [b for b in blocks[-3:] if isinstance(b, ActionsBlock | ContextActionsBlock)]
    room = MAX_BLOCKS - len(tail) - 1
    cut = len(blocks) - len(tail) - room
    notice = _context(f"_{cut} more part(s) not shown. {note}".strip() + "_")
    return (*blocks[:room], notice, *tail)


# --------------------------------------------------------------------------- answers


def answer_message(reply: Reply) -> Message:
    """The whole answer: findings, clarification, proposals, Show SQL and 👍/👎."""
    blocks: list[Block] = []
    files: list[FileUpload] = []
    plain_files: list[FileUpload] = []
    if reply.error:
        blocks.append(_section(f":warning: {escape(reply.error)}"))
    if reply.text:
        blocks.append(_section(escape(reply.text)))
    # Slack takes one table block per message; later tables are monospace text.
    first_table = next((i for i, f in enumerate(reply.findings) if f.table and f.table.rows), -1)
    for index, finding in enumerate(reply.findings):
        if index:
            blocks.append(DividerBlock())
        finding_blocks, finding_files = _finding_blocks(
            finding, index, native_table=index == first_table
        )
        blocks.extend(finding_blocks)
        files.extend(finding_files)
        if index == first_table and not finding_files and finding.table is not None:
            plain_files.append(_csv_upload(finding.table, f"table-{index + 1}.csv", finding.title))
    if reply.findings and reply.goal is not None:
        blocks.append(_context(goal_context(reply.goal)))
    if reply.clarification is not None:
        blocks.extend(clarification_blocks(reply.clarification))
    for index, proposed in enumerate(reply.actions):
        blocks.extend(action_blocks(proposed, index))
    if any(f.evidence for f in reply.findings):
        show_sql = _button(":mag: Show SQL", ACTION_SHOW_SQL, "all")
        blocks.append(ActionsBlock(elements=[show_sql], block_id="scout_answer_buttons"))
    if reply.findings:
        blocks.append(feedback_block({}))
    if not blocks:
        blocks.append(_section("I have nothing to report."))
    return Message(
        text=reply_text(reply),
        blocks=_limit(blocks, "Ask in the thread for the details."),
        files=tuple(files),
        plain_files=tuple(plain_files),
    )


def message_for(reply: Reply) -> Message:
    """The message a reply becomes: the answer, or the SQL behind it, with its notes."""
    message = sql_message(reply.findings) if reply.view == "evidence" else answer_message(reply)
    for note in reply.notes:
        message = message.with_note(note)
    return message


def reply_text(reply: Reply) -> str:
    """The plain-text fallback: notifications, screen readers, clients without blocks."""
    return escape(truncate(reply.plain_text() or "Scout has nothing to report.", MAX_FALLBACK))


def _finding_blocks(
    finding: Finding, index: int, *, native_table: bool
) -> tuple[list[Block], list[FileUpload]]:
    """Title, the sentence (it carries the numbers, formatted), causes, one table."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(finding.title or "Finding", MAX_HEADER)))
    ]
    files: list[FileUpload] = []
    if finding.summary:
        blocks.append(_section(escape(finding.summary)))
    if finding.root_causes:
        blocks.append(_section(root_causes_text(finding)))
    if finding.table is not None and finding.table.rows:
        filename = f"table-{index + 1}.csv"
        if native_table:
            table, csv_file = native_table_block(
                finding.table, filename, finding.title, finding.value_format
            )
            blocks.append(table)
        else:
            text, csv_file = table_section(
                finding.table, filename, finding.title, finding.value_format
            )
            blocks.append(_section(text))
        if csv_file is not None:
            files.append(csv_file)
    blocks.append(_context(confidence_text(finding.confidence)))
    return blocks, files


def root_causes_text(finding: Finding) -> str:
    fmt = finding.value_format
    lines = ["*What explains the change*"]
    for cause in finding.root_causes[:8]:
        where = escape(format_segment(cause.where, style="words")) if cause.where else "overall"
        line = (
            f"• *{where}*: {quantity(cause.baseline, fmt)} → {quantity(cause.current, fmt)}"
            f" ({quantity_change(cause.change, fmt)}),"
            f" explains {fmt_number(cause.explains, percent=True)} of the change"
        )
        if cause.rate_effect is not None and cause.mix_effect is not None:
            line += (
                f" — from its own rate {quantity_change(cause.rate_effect, fmt)},"
                f" from its share of traffic {quantity_change(cause.mix_effect, fmt)}"
            )
        lines.append(line)
    return "\n".join(lines)


def confidence_text(confidence: float) -> str:
    level = "high" if confidence >= 0.8 else "medium" if confidence >= 0.5 else "low"
    return f"Confidence: *{level}* ({confidence:.2f})"


def goal_context(goal: Goal) -> str:
    """How Scout understood the question, so a misunderstanding is visible at once."""
    # The goal carries keys, not semantic.yml labels: a key with its underscores gone
    # ('conversion rate') is the closest a renderer without the layer can say.
    parts = [escape(goal.intent.value.replace("_", " "))]
    if goal.metric:
        parts.append(escape(goal.metric.replace("_", " ")))
    if goal.filters:
        parts.append("in " + escape(format_segment(goal.filters, style="words")))
    if goal.window is not None:
        window = goal.window.describe()
        if goal.baseline is not None:
            window += f" vs {goal.baseline.describe()}"
        parts.append(escape(window))
    return "Understood as: " + " · ".join(parts)


MAX_TABLE_ROWS = 100  # a table block holds up to 100 rows (the header is one)
MAX_TABLE_COLUMNS = 20
MAX_TABLE_CHARS = 10_000  # all cells together


def native_table_block(
    table: Table, filename: str, title: str, value_format: str = ""
) -> tuple[TableBlock, FileUpload | None]:
    """A Block Kit table: a header row, numbers right-aligned and formatted; a longer table
    shows its most relevant rows and attaches the full CSV."""
    columns = table.columns[:MAX_TABLE_COLUMNS]
    limit = min(TABLE_ROWS_NATIVE, MAX_TABLE_ROWS - 1)
    shown = table.shown(limit)
    cells = [row_texts(table, row, value_format)[: len(columns)] for row in shown]
    header = [humanise(c) for c in columns]
    while sum(len(c) for row in [header, *cells] for c in row) > MAX_TABLE_CHARS and len(cells) > 1:
        cells = cells[: len(cells) // 2]
    numeric = [
        bool(shown)
        and all(is_number(row[i]) for row in shown if i < len(row) and row[i] is not None)
        for i in range(len(columns))
    ]
    block = TableBlock(
        rows=[[_raw(text) for text in row] for row in [header, *cells]],
        column_settings=[{"align": "right"} if n else {"is_wrapped": True} for n in numeric],
    )
    if len(cells) == len(table.rows) and len(columns) == len(table.columns):
        return block, None
    return block, _csv_upload(table, filename, title)


def _raw(text: str) -> dict[str, str]:
    return {"type": "raw_text", "text": text or " "}


def _csv_upload(table: Table, filename: str, title: str) -> FileUpload:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return FileUpload(
        filename=filename, content=buffer.getvalue().encode(), title=f"{title} (full table)"
    )


def table_section(
    table: Table, filename: str, title: str, value_format: str = ""
) -> tuple[str, FileUpload | None]:
    """A monospace table in a section; long ones show the head and attach the full CSV."""
    rows = [row_texts(table, row, value_format) for row in table.rows]
    shown = [row_texts(table, row, value_format) for row in table.shown(TABLE_ROWS_INLINE)]
    text = _monospace(table.columns, shown)
    attach = len(rows) > TABLE_ROWS_INLINE or len(text) > MAX_SECTION - 100
    while len(text) > MAX_SECTION - 100 and len(shown) > 1:
        shown = shown[: len(shown) // 2]
        text = _monospace(table.columns, shown)
    if not attach:
        return text, None
    text = (
        truncate(text, MAX_SECTION - 100)
        + f"\n_{len(shown)} of {len(rows)} rows shown; full table attached as {filename}._"
    )
    return text, _csv_upload(table, filename, title)


def _monospace(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [min(24, max([len(c)] + [len(r[i]) for r in rows])) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            truncate(c, w).ljust(w) for c, w in zip(cells, widths, strict=False)
        ).rstrip()

    body = "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)])
    return f"```\n{escape(body)}\n```"


# --------------------------------------------------------------------------- questions, actions


def clarification_blocks(clarification: Clarification) -> list[Block]:
    """The question and one button per option; the value is a token the core maps back."""
    blocks: list[Block] = [_section(f":thinking_face: {escape(clarification.question)}")]
    buttons = [
        _button(option.label, f"{ACTION_CHOOSE}_{i}", option_token(i, option))
        for i, option in enumerate(clarification.options[:25])
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons, block_id="scout_clarification"))
    return blocks


def action_blocks(proposed: ProposedAction, index: int = 0, *, buttons: bool = True) -> list[Block]:
    """A proposal: what, why, the guardrails' decision, then buttons or its recorded outcome.

    Without `buttons` an open proposal says who may decide it instead (App Home shows each
    person only the decisions they can take)."""
    action = proposed.action
    lines = [f"*Proposed action:* `{escape(action.kind)}` → {escape(action.target)}"]
    if action.reason:
        lines.append(escape(action.reason))
    if action.cost:
        # The approver must see the money that will be promised, and to whom.
        lines.append(f"*Money:* {format_money(to_cents(action.cost))} to {escape(action.target)}")
    lines.append(f"_Guardrails: {escape(describe_decision(proposed.decision))}_")
    block_id = f"{ACTION_BLOCK_PREFIX}{proposed.approval_id}"[:255]
    blocks: list[Block] = [_section("\n".join(lines))]
    if proposed.open and not buttons:
        blocks.append(_context("_Waiting for an approver; you are not one for this action._"))
    elif proposed.open:
        value = proposed.approval_id
        if proposed.needs_approval:
            confirm = ConfirmObject(
                title="Approve this action?",
                text=truncate(f"Scout will run {action.kind} for {action.target}.", 300),
                confirm="Approve",
                deny="Cancel",
            )
            elements = [
                _button(
                    "Approve", f"{ACTION_APPROVE}_{index}", value, style="primary", confirm=confirm
                ),
                _button("Reject", f"{ACTION_REJECT}_{index}", value, style="danger"),
            ]
        else:
            elements = [_button("Do it", f"{ACTION_DO}_{index}", value, style="primary")]
        blocks.append(ActionsBlock(elements=elements, block_id=block_id))
    else:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=outcome_text(proposed))], block_id=block_id
            )
        )
    return blocks


_OUTCOME_ICON = {
    ActionStatus.EXECUTED: ":white_check_mark:",
    ActionStatus.QUEUED: ":inbox_tray:",
    ActionStatus.DRY_RUN: ":test_tube:",
    ActionStatus.REJECTED: ":no_entry_sign:",
    ActionStatus.REFUSED: ":no_entry:",
    ActionStatus.FAILED: ":x:",
    ActionStatus.EXPIRED: ":hourglass:",
    ActionStatus.PROPOSED: ":hourglass_flowing_sand:",
    ActionStatus.PENDING: ":hourglass_flowing_sand:",
}


_OUTCOME_LABEL = {
    ActionStatus.QUEUED: "Queued in the outbox, not sent",
    ActionStatus.DRY_RUN: "Dry run: recorded, not sent",
}


def outcome_text(proposed: ProposedAction) -> str:
    """Who decided, when, and what happened: the record left on the message."""
    label = _OUTCOME_LABEL.get(proposed.status, proposed.status.value.capitalize())
    text = f"{_OUTCOME_ICON[proposed.status]} *{label}*"
    if proposed.decided_by and proposed.status == ActionStatus.REJECTED:
        # A person's "no" reads as theirs, never as a guardrail's refusal.
        text = f"{_OUTCOME_ICON[proposed.status]} *Rejected by {mention(proposed.decided_by)}*"
    elif proposed.decided_by:
        text += f" — decided by {mention(proposed.decided_by)}"
    if proposed.decided_at is not None:
        text += f" at {_when(proposed.decided_at)}"
    if proposed.result:
        text += f": {escape(truncate(proposed.result, 500))}"
    return truncate(text, MAX_SECTION)


def _when(at: datetime) -> str:
    """Slack renders <!date^…> in each reader's own time zone; the fallback is UTC."""
    stamp = int(at.timestamp())
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"


def with_decision(
    blocks: Sequence[Mapping[str, Any]], proposed: ProposedAction
) -> list[dict[str, Any]]:
    """The posted message's blocks with this proposal's buttons replaced by its outcome."""
    block_id = f"{ACTION_BLOCK_PREFIX}{proposed.approval_id}"[:255]
    outcome = ContextBlock(
        elements=[MarkdownTextObject(text=outcome_text(proposed))], block_id=block_id
    ).to_dict()
    return [outcome if b.get("block_id") == block_id else dict(b) for b in blocks]


# --------------------------------------------------------------------------- feedback

_VOTE_RE = re.compile(r"<@([UW][A-Z0-9]{2,})> (:\+1:|:-1:)")


def feedback_block(votes: Mapping[str, bool]) -> ContextActionsBlock:
    """👍/👎 under an answer; once votes are recorded each button shows its count."""
    up = sum(1 for positive in votes.values() if positive)
    down = len(votes) - up

    def label(icon: str, name: str, count: int) -> str:
        return f"{icon} {name}" + (f" ({count})" if count else "")

    element = FeedbackButtonsElement(
        action_id=ACTION_FEEDBACK,
        positive_button=FeedbackButtonObject(
            text=PlainTextObject(text=label("👍", "Helpful", up), emoji=True),
            value=ACTION_FEEDBACK_UP,
            accessibility_label="This answer was helpful",
        ),
        negative_button=FeedbackButtonObject(
            text=PlainTextObject(text=label("👎", "Not helpful", down), emoji=True),
            value=ACTION_FEEDBACK_DOWN,
            accessibility_label="This answer was not helpful",
        ),
    )
    return ContextActionsBlock(elements=[element], block_id=FEEDBACK_BLOCK)


def votes_block(votes: Mapping[str, bool]) -> ContextBlock:
    """Whose vote was recorded, latest last (the message shows it to everyone)."""
    shown = list(votes.items())[-MAX_VOTERS_SHOWN:]
    listed = " · ".join(f"<@{user}> {':+1:' if up else ':-1:'}" for user, up in shown)
    return ContextBlock(
        elements=[MarkdownTextObject(text=f"Feedback recorded: {listed}")],
        block_id=FEEDBACK_VOTES_BLOCK,
    )


def recorded_votes(blocks: Sequence[Mapping[str, Any]]) -> dict[str, bool]:
    """The votes a posted answer already shows (read back from its votes line)."""
    for block in blocks:
        if block.get("block_id") == FEEDBACK_VOTES_BLOCK:
            text = " ".join(str(e.get("text", "")) for e in block.get("elements") or ())
            return {user: icon == ":+1:" for user, icon in _VOTE_RE.findall(text)}
    return {}


def with_feedback(
    blocks: Sequence[Mapping[str, Any]], user: str, positive: bool
) -> list[dict[str, Any]]:
    """The posted answer's blocks showing `user`'s recorded vote (a changed vote moves)."""
    if not USER_ID_RE.match(user):
        return [dict(b) for b in blocks]
    votes = recorded_votes(blocks)
    votes.pop(user, None)
    votes[user] = positive
    control = [feedback_block(votes).to_dict(), votes_block(votes).to_dict()]
    kept: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("block_id") == FEEDBACK_VOTES_BLOCK:
            continue
        if block.get("block_id") == FEEDBACK_BLOCK:
            kept.extend(control)
            control = []
            continue
        kept.append(_without_legacy_feedback(block))
    # An answer posted with the older 👍/👎 buttons gets the control at its end.
    kept = [b for b in kept if b.get("type") != "actions" or b.get("elements")]
    return kept[: MAX_BLOCKS - len(control)] + control


def _without_legacy_feedback(block: Mapping[str, Any]) -> dict[str, Any]:
    if block.get("type") != "actions":
        return dict(block)
    elements = [
        e
        for e in block.get("elements") or ()
        if e.get("action_id") not in (ACTION_FEEDBACK_UP, ACTION_FEEDBACK_DOWN)
    ]
    return {**block, "elements": elements}


# --------------------------------------------------------------------------- progress, SQL, errors


def progress_message(
    question: str, steps: Sequence[str] | ProgressView, *, native: bool = True
) -> Message:
    """The placeholder shown while Scout works. Once the core has announced its plan, every
    planned step with its state (done, running, to do): Slack's plan block, or marked lines
    where Slack refuses it (`native=False`); before that, the steps reported so far."""
    view = steps if isinstance(steps, ProgressView) else ProgressView(said=tuple(steps))
    # The question is echoed redacted, like everything else Scout posts.
    head = f":hourglass_flowing_sand: Working on:\n{quote(echo(question))}"
    text = "Scout is working on it…"
    if not view.plan:
        lines = [head]
        lines.extend(
            f":white_check_mark: {escape(truncate(r.title, 200))}" for r in view.rows[-20:]
        )
        return Message(text=text, blocks=(_section("\n".join(lines)),))
    if native:
        return Message(text=text, blocks=(_section(head), _plan_block(view)))
    lines = [head, *(_step_line(r.title, r.state) for r in view.rows[:MAX_PLAN_STEPS])]
    return Message(text=text, blocks=(_section("\n".join(lines)), _context(view.position)))


def error_message(text: str) -> Message:
    return Message(text=escape(text), blocks=(_section(f":warning: {escape(text)}"),))


def sql_message(findings: Sequence[Finding]) -> Message:
    """The SQL behind every number, one code block per query (long ones as a file)."""
    blocks: list[Block] = []
    files: list[FileUpload] = []
    evidence: list[tuple[Finding, Evidence]] = [(f, e) for f in findings for e in f.evidence]
    for index, (finding, item) in enumerate(evidence, start=1):
        head = f"*{index}. {escape(item.description or finding.title)}*"
        sql = _with_bound_values(item)
        code = f"```\n{escape(sql)}\n```"
        if len(head) + len(code) + 1 <= MAX_SECTION:
            blocks.append(_section(f"{head}\n{code}"))
        else:
            name = f"query-{index}.sql"
            blocks.append(_section(f"{head}\n_Too long to show here: attached as {name}._"))
            files.append(
                FileUpload(
                    filename=name,
                    content=sql.encode(),
                    title=f"SQL: {item.description or finding.title}",
                )
            )
    if not blocks:
        blocks.append(_section("No SQL was needed for this answer."))
    return Message(
        text=f"The SQL behind this answer ({len(evidence)} queries)",
        blocks=_limit(blocks, "The rest are in the logs."),
        files=tuple(files),
    )


def _with_bound_values(item: Evidence) -> str:
    """The SQL headed by the values its placeholders are bound to, as SQL comments: the
    description says the window and segment in words, and whoever copies the query to run
    it needs the values next to the placeholders' names."""
    bound = [f"-- {name}: {_bound_text(value)}" for name, value in item.params.items()]
    return "\n".join([*bound, item.sql])


def _bound_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


# --------------------------------------------------------------------------- the plan ahead

MAX_PLAN_STEPS = 20
_TASK_STATUS = {
    StepState.DONE: "complete",
    StepState.RUNNING: "in_progress",
    StepState.TODO: "pending",
}
# Marked lines where the plan block is refused: what is behind, what runs, what is to come.
_STEP_MARK = {
    StepState.DONE: ":white_check_mark:",
    StepState.RUNNING: ":arrow_forward:",
    StepState.TODO: ":white_circle:",
}


def _plan_block(view: ProgressView) -> PlanBlock:
    """Slack's native plan: one task card per planned step, titled with where it stands."""
    tasks = [
        TaskCardBlock(
            task_id=f"step_{index}",
            title=truncate(row.title, MAX_HEADER),
            status=_TASK_STATUS[row.state],
        )
        for index, row in enumerate(view.rows[:MAX_PLAN_STEPS], start=1)
    ]
    return PlanBlock(title=view.position, tasks=tasks)


def _step_line(title: str, state: StepState) -> str:
    shown = escape(truncate(title, 200))
    return f"{_STEP_MARK[state]} {f'*{shown}*' if state is StepState.RUNNING else shown}"


def assistant_status(view: ProgressView, step: str) -> str:
    """The assistant thread's status line for a step that starts: where it stands in the
    plan ("is working on step 2 of 3: …") when the core announced one."""
    if step in view.plan:
        return f"is working on {view.position.lower()}: {truncate(step, 80)}"
    return f"is working: {truncate(step, 80)}"
