"""Pure builder of Scout's App Home tab: approvals waiting, alerts, the watchlist, lessons."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from agent.learning import RETENTION_KINDS
from bot.blocks import action_blocks, escape, fmt_number, truncate
from bot.core import HomeView

MAX_HOME_BLOCKS = 100  # a Home tab view holds up to 100 blocks
_STATUS_ICON = {
    "ok": ":large_green_circle:",
    "watch": ":large_yellow_circle:",
    "alert": ":red_circle:",
}


def home_view(
    home: HomeView,
    *,
    decidable: frozenset[str] | None = None,
    off: tuple[str, ...] = (),
    what_works: Sequence[str] = (),
) -> View:
    """The App Home view for one user, built from the core's HomeView.

    `decidable` holds the proposals this user may decide (None: all); the others are shown
    without buttons, so nobody is offered a decision that would be refused. `off` lists what
    stays switched off until scout.yml names its channel or approvers. `what_works` is
    memory's sentence per retention action × risk level, measured against a holdout."""
    blocks: list[Block] = [HeaderBlock(text="Scout")]
    if home.paused:
        blocks.append(_md(":double_vertical_bar: *Paused*: no outbound actions until resumed."))
    for note in off:
        blocks.append(_md(f":information_source: {escape(note)}"))
    blocks += [DividerBlock(), HeaderBlock(text="Waiting for approval")]
    if home.pending:
        for index, proposed in enumerate(home.pending[:15]):
            if decidable is None or proposed.approval_id in decidable:
                blocks.extend(action_blocks(proposed, index))
            else:
                blocks.extend(action_blocks(proposed, index, buttons=False))
        if len(home.pending) > 15:
            blocks.append(_md(f"_…and {len(home.pending) - 15} more._"))
    else:
        blocks.append(_md("Nothing is waiting for a decision."))

    blocks += [DividerBlock(), HeaderBlock(text="Recent alerts")]
    lines = [
        f"• {escape(a.title)} — _{escape(a.status)}_ ({a.at:%b %-d %H:%M})"
        for a in home.alerts[:10]
    ]
    blocks.append(_md("\n".join(lines) or "No alerts lately."))

    blocks += [DividerBlock(), HeaderBlock(text="KPI watchlist")]
    lines = []
    for kpi in home.watchlist[:20]:
        value = fmt_number(kpi.value) + (f" {escape(kpi.unit)}" if kpi.unit else "")
        change = (
            f" ({'+' if kpi.change >= 0 else ''}{kpi.change * 100:.1f}%)"
            if kpi.change is not None
            else ""
        )
        lines.append(f"{_STATUS_ICON[kpi.status]} *{escape(kpi.label)}*: {value}{change}")
    blocks.append(_md("\n".join(lines) or "No KPIs on the watchlist yet."))

    blocks += [DividerBlock(), HeaderBlock(text="What Scout has learned")]
    blocks.append(_md(_learned_text(home, what_works)))
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


def _learned_text(home: HomeView, what_works: Sequence[str]) -> str:
    # A retention action "worked" only if customers reordered more than the holdout did;
    # an approval of one is not an outcome, so those kinds show only what was measured.
    lines = [f"• {escape(sentence)}" for sentence in what_works[:10]]
    for item in [i for i in home.learned if i.action_kind not in RETENTION_KINDS][:10]:
        rate = f"{item.worked / item.tried * 100:.0f}%" if item.tried else "–"
        note = f" — {escape(item.note)}" if item.note else ""
        lines.append(
            f"• `{escape(item.action_kind)}` worked {item.worked}/{item.tried} ({rate}){note}"
        )
    return "\n".join(lines) or "Nothing measured yet: outcomes appear after actions run."


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)))
