"""The kill switch in Slack: `/scout pause|resume|status` and "@Scout pause" (approvers only).

Pausing stops every outbound effect of the actor (alerts, reports, offers, escalations) and
the scheduled posts, in every process sharing Scout's memory; questions are still answered.
Who may flip it is decided the same way as who may approve: scout.yml's approvers or the
members of the approver user group, identified from the signed payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.blocks import mention
from bot.core import KillSwitch
from bot.listeners.common import Deps, log
from bot.notifier import approver_check

# "pause <reason>", "resume", "status"; "status of revenue" stays a question.
_CONTROL = re.compile(
    r"^\s*(?:(pause|resume)\b[\s:,-]*(.*)|(status))\s*$", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True, kw_only=True)
class Switched:
    """What flipping (or reading) the switch said, and whether anything changed."""

    text: str
    changed: bool
    authorised: bool = True


def control_command(text: str) -> tuple[str, str] | None:
    """("pause", reason) for "pause deploy freeze", None for anything that is a question."""
    found = _CONTROL.match(text or "")
    if found is None:
        return None
    if found.group(3):
        return "status", ""
    return found.group(1).lower(), found.group(2).strip()[:200]


async def flip(deps: Deps, user: str, verb: str, reason: str = "") -> Switched:
    """Pause, resume or report the state; only an approver may change it."""
    core = deps.core
    if not isinstance(core, KillSwitch):
        return Switched(text="This Scout has no kill switch.", changed=False)
    if verb == "status":
        return Switched(text=_state(await core.is_paused()), changed=False)
    assert deps.approvers is not None
    if not await approver_check(deps.approvers)(user):
        log.warning("kill switch refused user=%s verb=%s", user, verb)
        return Switched(
            text=f"Only an approver can {verb} Scout. Nothing was changed. "
            "Approvers are set in scout.yml (slack.approvers / slack.approver_group).",
            changed=False,
            authorised=False,
        )
    if verb == "pause":
        await core.pause(user, reason or "paused from Slack")
    else:
        await core.resume(user, reason or "resumed from Slack")
    log.info("kill switch user=%s verb=%s reason=%s", user, verb, reason)
    paused = await core.is_paused()
    return Switched(text=f"{mention(user)}: {_state(paused)}", changed=True)


def _state(paused: bool) -> str:
    if paused:
        return (
            ":double_vertical_bar: Scout is *paused*: no alert, report or action goes out "
            "(everything is still decided and recorded in the outbox). Questions are still "
            "answered. An approver can `/scout resume`."
        )
    return ":arrow_forward: Scout is *running*: alerts, reports and approved actions go out."
