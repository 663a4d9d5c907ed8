"""The conversation half of memory: what a Slack thread needs to survive a restart.

A pending clarification (the options offered, each a complete goal), the action a thread's
👍/👎 speaks about (kind and situation, so a vote teaches the planner), and the SQL evidence
of a thread's findings for "Show SQL". A mixin of `Memory`, like learned.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from agent.domain import ClarificationOption, Evidence, Finding, FindingKind, Goal
from agent.memory.base import StoreBase
from agent.memory.codec import dumps, iso
from agent.memory.records import FeedbackLink


class ConversationStore(StoreBase):
    """Clarifications, feedback links and thread evidence; mixed into Memory."""

    async def save_clarification(
        self, thread_key: str, question: str, options: Sequence[ClarificationOption]
    ) -> None:
        """Remember the options offered in a thread, replacing any earlier question."""
        payload = [
            {"label": o.label, "goal": {**o.goal.to_json(), "text": o.goal.text}} for o in options
        ]
        async with self._write() as db:
            await db.execute(
                "INSERT INTO clarifications(thread_key, question, options, created)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(thread_key) DO UPDATE SET"
                " question = excluded.question, options = excluded.options,"
                " created = excluded.created",
                (thread_key, question, dumps(payload), iso(self._now())),
            )

    async def load_clarification(self, thread_key: str) -> tuple[ClarificationOption, ...]:
        """The options last offered in a thread (empty when none or unreadable)."""
        rows = await self._rows(
            "SELECT options FROM clarifications WHERE thread_key = ?", (thread_key,)
        )
        if not rows:
            return ()
        try:
            return tuple(
                ClarificationOption(label=str(o["label"]), goal=Goal.from_json(o["goal"]))
                for o in json.loads(rows[0][0])
            )
        except (KeyError, TypeError, ValueError):
            return ()  # written by an older Scout: the person is asked again

    async def link_feedback(
        self, thread_key: str, *, kind: str, situation: str, action_key: str = ""
    ) -> None:
        """Say which action a thread's 👍/👎 is about (the latest link wins)."""
        async with self._write() as db:
            await db.execute(
                "INSERT INTO feedback_links(thread_key, kind, situation, action_key, updated)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(thread_key) DO UPDATE SET"
                " kind = excluded.kind, situation = excluded.situation,"
                " action_key = excluded.action_key, updated = excluded.updated",
                (thread_key, kind, situation, action_key, iso(self._now())),
            )

    async def feedback_link(self, thread_key: str) -> FeedbackLink | None:
        """The action a thread's feedback teaches about, or None."""
        rows = await self._rows(
            "SELECT kind, situation, action_key FROM feedback_links WHERE thread_key = ?",
            (thread_key,),
        )
        if not rows:
            return None
        return FeedbackLink(
            thread_key=thread_key, kind=rows[0][0], situation=rows[0][1], action_key=rows[0][2]
        )

    async def thread_evidence(self, thread_key: str, *, limit: int = 20) -> tuple[Finding, ...]:
        """The thread's latest findings with their SQL evidence (for "Show SQL" after a restart).

        The thread's last answer when memory has it, else its newest findings.
        """
        rows = await self._rows(
            "SELECT finding_ids FROM threads WHERE thread_key = ?", (thread_key,)
        )
        ids = [int(i) for i in json.loads(rows[0][0])] if rows else []
        if ids:
            return await self.evidence_of(ids)
        found = await self._rows(
            "SELECT finding FROM findings WHERE thread_key = ? ORDER BY id DESC LIMIT ?",
            (thread_key, limit),
        )
        out = [_with_evidence(json.loads(r[0])) for r in reversed(found)]
        return tuple(f for f in out if f.evidence)

    async def evidence_of(self, ids: Sequence[int]) -> tuple[Finding, ...]:
        """These findings' sentences and SQL evidence, in the order given."""
        if not ids:
            return ()
        marks = ",".join("?" * len(ids))
        found = await self._rows(f"SELECT id, finding FROM findings WHERE id IN ({marks})", ids)
        by_id = {r[0]: r[1] for r in found}
        out = [_with_evidence(json.loads(by_id[i])) for i in ids if i in by_id]
        return tuple(f for f in out if f.evidence)


def _with_evidence(data: Mapping[str, Any]) -> Finding:
    """A stored finding's sentence and evidence, enough to show the SQL behind it."""
    evidence = tuple(
        Evidence(
            sql=str(e.get("sql", "")),
            params=dict(e.get("params") or {}),
            description=str(e.get("description", "")),
            rows=e.get("rows"),
        )
        for e in data.get("evidence") or ()
        if e.get("sql")
    )
    return Finding(
        kind=FindingKind.of(str(data.get("kind", ""))),
        title=str(data.get("title", "")),
        summary=str(data.get("summary", "")),
        evidence=evidence,
    )
