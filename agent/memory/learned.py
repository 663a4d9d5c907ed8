"""The learning half of memory: outcomes, learned weights, feedback, patterns, recall, insights.

A mixin of `Memory` (see store.py), kept in its own file so each stays readable. Every
update that feeds a Beta posterior is idempotent per action key or per (thread, finding,
user), so a replayed outcome or a repeated 👍 never counts twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from agent.domain import Finding, RootCause
from agent.learning import (
    RETENTION_KINDS,
    Bandit,
    BetaArm,
    RetentionAssignment,
    RetentionOutcome,
    describe_learning,
    uplift_arm,
)
from agent.memory.base import StoreBase
from agent.memory.codec import dumps, iso, parse_iso
from agent.memory.records import ActionInsight, Pattern, RecalledPattern
from agent.memory.retrieval import (
    DEFAULT_HALF_LIFE_DAYS,
    TREND_WINDOW,
    describe_recall,
    insight_for,
    rank_patterns,
)

if TYPE_CHECKING:
    from agent.churn.outcomes import ActionUplift

# Retention arms learn only from measured outcomes (see agent.learning.uplift_arm); whatever
# an approval or a person's outcome string wrote under these situations is not evidence.
MEASURED_PREFIX = "churn|"
_ADD_WEIGHT = (
    "INSERT INTO weights(kind, situation, successes, failures, updated) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT(kind, situation) DO UPDATE SET"
    " successes = MAX(0, weights.successes + excluded.successes),"
    " failures = MAX(0, weights.failures + excluded.failures), updated = excluded.updated"
)


class LearnedStore(StoreBase):
    """Outcomes and what they taught; mixed into Memory, which provides the connection."""

    # ------------------------------------------------------------------ outcomes and weights

    async def record_outcome(
        self,
        action_key: str,
        kind: str,
        situation: str,
        success: bool,
        value: float | None = None,
        *,
        effectiveness: float | None = None,
    ) -> bool:
        """Record how an action turned out and update its Beta posterior, once per action.

        `value` is the raw outcome (e.g. revenue kept); `effectiveness` in [0, 1] defaults to
        1.0 for success and 0.0 for failure. Returns False if the action already had one.
        """
        eff = float(success) if effectiveness is None else max(0.0, min(1.0, effectiveness))
        now = iso(self._now())
        async with self._write() as db:
            added = await db.execute(
                "INSERT OR IGNORE INTO outcomes(action_key, kind, situation, success, value,"
                " effectiveness, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (action_key, kind, situation, int(success), value, eff, now),
            )
            if added != 1:
                return False
            await db.execute(
                _ADD_WEIGHT, (kind, situation, float(success), float(not success), now)
            )
        return True

    async def learned_weights(self) -> dict[tuple[str, str], BetaArm]:
        """Every learned posterior, keyed (situation, action kind) like `Bandit`: retention
        arms from their measured uplift, the others from their recorded outcomes."""
        rows = await self._rows("SELECT kind, situation, successes, failures FROM weights")
        arms = {
            (r[1], r[0]): BetaArm(successes=r[2], failures=r[3])
            for r in rows
            if not str(r[1]).startswith(MEASURED_PREFIX)
        }
        for measured in await self.retention_uplifts():
            u = measured.uplift
            arms[(MEASURED_PREFIX + measured.segment, measured.kind)] = uplift_arm(
                u.contacted, u.contacted_reordered, u.held_out, u.held_out_reordered
            )
        return arms

    # ------------------------------------------------------------------ measured retention

    async def record_retention_outcomes(
        self, outcomes: Iterable[RetentionOutcome], *, days: int
    ) -> int:
        """Keep measured customer outcomes, once per customer × action × day (a re-run of
        the measurement adds nothing). Returns how many were new."""
        now = iso(self._now())
        rows = [
            (o.customer_id, o.kind, o.segment, o.group, o.since.isoformat(), int(o.reordered))
            for o in outcomes
        ]
        async with self._write() as db:
            return await db.executemany(
                "INSERT OR IGNORE INTO retention_outcomes(customer_id, kind, segment, grp, since,"
                f" reordered, days, measured_at) VALUES (?, ?, ?, ?, ?, ?, {int(days)}, ?)",
                [(*r, now) for r in rows],
            )

    async def retention_uplifts(self) -> list[ActionUplift]:
        """Per action kind × risk level: treated and held-out customers, their reorder
        rates and the uplift (see agent.churn.outcomes)."""
        from agent.churn.outcomes import ActionUplift, Uplift

        rows = await self._rows(
            "SELECT kind, segment, MAX(days),"
            " SUM(grp = 'treated'), SUM(grp = 'treated' AND reordered = 1),"
            " SUM(grp = 'holdout'), SUM(grp = 'holdout' AND reordered = 1)"
            " FROM retention_outcomes GROUP BY kind, segment ORDER BY kind, segment"
        )
        return [
            ActionUplift(
                kind=r[0],
                segment=r[1],
                uplift=Uplift(
                    contacted=int(r[3]),
                    contacted_reordered=int(r[4]),
                    held_out=int(r[5]),
                    held_out_reordered=int(r[6]),
                    days=int(r[2]),
                ),
            )
            for r in rows
        ]

    async def record_retention_assignments(self, assignments: Iterable[RetentionAssignment]) -> int:
        """Keep who a retention proposal treated or held out, once per customer × action
        kind × day (the same answer asked twice records nothing twice). Returns how many
        were new."""
        now = iso(self._now())
        rows = [
            (a.customer_id, a.kind, a.segment, a.group, a.since.isoformat(), a.action_key, now)
            for a in assignments
        ]
        async with self._write() as db:
            return await db.executemany(
                "INSERT OR IGNORE INTO retention_assignments(customer_id, kind, segment, grp,"
                " since, action_key, recorded) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    async def retention_assignments(
        self, *, until: date | None = None
    ) -> list[RetentionAssignment]:
        """Recorded assignments, oldest first; with `until`, only those proposed before it."""
        where, params = ("WHERE since < ?", [until.isoformat()]) if until else ("", [])
        rows = await self._rows(
            "SELECT customer_id, kind, segment, grp, since, action_key FROM retention_assignments"
            f" {where} ORDER BY since, kind, customer_id",
            params,
        )
        return [
            RetentionAssignment(
                customer_id=r[0],
                kind=r[1],
                segment=r[2],
                group="holdout" if r[3] == "holdout" else "treated",
                since=date.fromisoformat(r[4]),
                action_key=r[5],
            )
            for r in rows
        ]

    async def held_out(self, today: date, days: int) -> frozenset[str]:
        """Customers in a holdout whose outcome window is still open on `today`: they stay
        untreated until it closes, or the comparison would be spoiled."""
        rows = await self._rows(
            "SELECT DISTINCT customer_id FROM retention_assignments"
            " WHERE grp = 'holdout' AND since > ? AND since <= ?",
            ((today - timedelta(days=days)).isoformat(), today.isoformat()),
        )
        return frozenset(str(r[0]) for r in rows)

    async def what_works(self, *, min_per_group: int | None = None) -> list[str]:
        """What works for whom: each retention action × risk level with its sample sizes,
        reorder rates and uplift against the holdout, most treated first; "not enough data
        yet" below the minimum sample."""
        from agent.churn.outcomes import MIN_PER_GROUP

        minimum = MIN_PER_GROUP if min_per_group is None else min_per_group
        measured = sorted(
            await self.retention_uplifts(),
            key=lambda m: (-m.uplift.contacted, m.kind, m.segment),
        )
        return [m.sentence(minimum) for m in measured]

    async def bandit(self) -> Bandit:
        """A Bandit primed with everything learned so far."""
        return Bandit(await self.learned_weights())

    async def describe_learning(self, *, min_samples: float = 1) -> list[str]:
        """What Scout has learned, in sentences with sample sizes."""
        return describe_learning((await self.bandit()).items(), min_samples=min_samples)

    async def record_feedback(
        self,
        thread_key: str,
        user: str,
        positive: bool,
        *,
        finding_id: int | None = None,
        kind: str = "",
        situation: str = "",
    ) -> bool:
        """A 👍/👎 from a person; one vote per user per finding, changing it moves the count.

        With `kind` and `situation` the vote also feeds that posterior. Returns False when
        the vote repeats the user's previous one.
        """
        now = iso(self._now())
        fid = finding_id or 0
        async with self._write() as db:
            row = await db.one(
                "SELECT positive FROM feedback WHERE thread_key = ? AND finding_id = ? AND user = ?",
                (thread_key, fid, user),
            )
            previous = None if row is None else bool(row[0])
            if previous is positive:
                return False
            await db.execute(
                "INSERT INTO feedback(thread_key, finding_id, user, positive, kind, situation, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(thread_key, finding_id, user)"
                " DO UPDATE SET positive = excluded.positive, at = excluded.at",
                (thread_key, fid, user, int(positive), kind, situation, now),
            )
            if kind and situation:
                up, down = (1.0, 0.0) if positive else (0.0, 1.0)
                if previous is not None:  # a changed vote takes back the old one
                    up, down = up - down, down - up
                await db.execute(_ADD_WEIGHT, (kind, situation, up, down, now))
        return True

    async def feedback_summary(self, thread_key: str | None = None) -> tuple[int, int]:
        """(👍, 👎) counts, for one thread or overall."""
        where, params = ("WHERE thread_key = ?", [thread_key]) if thread_key else ("", [])
        rows = await self._rows(
            f"SELECT COALESCE(SUM(positive), 0), COUNT(*) FROM feedback {where}", params
        )
        up, total = int(rows[0][0]), int(rows[0][1])
        return up, total - up

    # ------------------------------------------------------------------ insights

    async def insights(self) -> list[ActionInsight]:
        """Per action kind: success rate, average effectiveness, trend, sample count."""
        # Retention kinds are judged by `what_works` (measured against a holdout); an
        # approval recorded for one before that rule is not a success.
        skip = tuple(sorted(RETENTION_KINDS))
        marks = ", ".join("?" * len(skip))
        totals = await self._rows(
            "SELECT kind, COUNT(*), SUM(success), AVG(effectiveness), MAX(recorded_at)"
            f" FROM outcomes WHERE kind NOT IN ({marks}) GROUP BY kind ORDER BY kind",
            skip,
        )
        recent_rows = await self._rows(
            "SELECT kind, effectiveness FROM (SELECT kind, effectiveness, ROW_NUMBER() OVER"
            " (PARTITION BY kind ORDER BY recorded_at DESC, rowid DESC) AS rn FROM outcomes)"
            f" WHERE rn <= ? AND kind NOT IN ({marks}) ORDER BY kind, rn",
            (2 * TREND_WINDOW, *skip),
        )
        recent: dict[str, list[float]] = {}
        for kind, eff in recent_rows:
            recent.setdefault(kind, []).append(float(eff))
        return [
            insight_for(
                kind,
                samples=int(n),
                successes=int(ok or 0),
                average_effectiveness=float(avg or 0.0),
                recent=recent.get(kind, []),
                last_outcome=parse_iso(last) if last else None,
            )
            for kind, n, ok, avg, last in totals
        ]

    # ------------------------------------------------------------------ patterns and recall

    async def record_pattern(
        self,
        *,
        metric: str,
        direction: str,
        where: Mapping[str, str],
        cause: Mapping[str, str],
        summary: str,
        thread_key: str = "",
    ) -> int:
        """Remember what explained a move, e.g. conversion down in the Northeast ← mobile."""
        async with self._write() as db:
            return await db.insert(
                "INSERT INTO patterns(metric, direction, where_json, cause, summary, thread_key,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    metric,
                    direction,
                    dumps(dict(where)),
                    dumps(dict(cause)),
                    summary,
                    thread_key,
                    iso(self._now()),
                ),
            )

    async def remember_cause(
        self,
        *,
        metric: str,
        direction: str,
        where: Mapping[str, str],
        finding: Finding,
        thread_key: str = "",
    ) -> int | None:
        """Keep an explanation's main root cause as a pattern (None if it found no cause).

        Only a segment that moved further the total's way drove it: one that lagged a rise
        (West +12% while the rest rose 113%) is named in the answer, never kept as its cause."""
        drove = [c for c in finding.root_causes if _drove(c, finding)]
        if not drove:
            return None
        top = max(drove, key=lambda cause: abs(cause.explains))
        return await self.record_pattern(
            metric=metric,
            direction=direction,
            where=where,
            cause=dict(top.where),
            summary=finding.summary,
            thread_key=thread_key,
        )

    async def recall(
        self,
        metric: str,
        where: Mapping[str, str],
        direction: str,
        *,
        limit: int = 3,
        half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
        candidates: int = 200,
        excluding: str = "",
    ) -> list[RecalledPattern]:
        """The most relevant past causes for this situation: segment match × recency."""
        rows = await self._rows(
            "SELECT id, metric, direction, where_json, cause, summary, thread_key, created"
            " FROM patterns WHERE metric = ? AND direction = ? ORDER BY created DESC LIMIT ?",
            (metric, direction, candidates),
        )
        patterns = [
            Pattern(
                id=r[0],
                metric=r[1],
                direction=r[2],
                where=json.loads(r[3]),
                cause=json.loads(r[4]),
                summary=r[5],
                thread_key=r[6],
                created=parse_iso(r[7]),
            )
            for r in rows
            if r[5] != excluding or not excluding
        ]
        # The same move asked about again is one occurrence, not evidence that it recurs: an
        # explanation's summary names its dates and figures, so repeats share it.
        moves = {(_key(p.where), _key(p.cause), p.summary): p for p in reversed(patterns)}
        newest_per_move = list(moves.values())
        now: datetime = self._now()
        return rank_patterns(
            newest_per_move, where, now, limit=limit, half_life_days=half_life_days
        )

    async def recall_sentence(
        self,
        metric: str,
        where: Mapping[str, str],
        direction: str,
        *,
        limit: int = 3,
        excluding: str = "",
    ) -> str:
        """'The last 3 times conversion_rate dropped in region=Northeast, the cause was …' or ''.

        `excluding` is the explanation being given now: the same move asked about again is
        not a past occurrence of it."""
        recalled = await self.recall(metric, where, direction, limit=limit, excluding=excluding)
        return describe_recall(metric, direction, where, recalled)


def _key(segment: Mapping[str, str]) -> str:
    return json.dumps(dict(segment), sort_keys=True)


def _drove(cause: RootCause, finding: Finding) -> bool:
    """Whether the segment moved further than the total, in the total's direction."""
    before, after = finding.facts.get("baseline"), finding.facts.get("value")
    if not isinstance(before, int | float) or not isinstance(after, int | float) or not before:
        return True  # nothing to check it against: kept, as before
    if not cause.baseline:
        return after > before if cause.current > 0 else after < before
    total = after / before - 1
    own = cause.current / cause.baseline - 1
    return (own - total) * (1 if after >= before else -1) > 0
