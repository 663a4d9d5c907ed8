"""Scheduled work in the serving process: the monitor cycle, the 09:00 digest and its
catch-up, the weekly summary, the weekly retrain, the due sends (sequence steps, retries and
the sweep of dead claims) and the daily measurement of retention outcomes.

The job bodies live in the application service (agent/service.py): it claims each digest
under a key per date (`digest:2025-12-15`) so restarts, misfire catch-ups and replicas post
it once, and every message goes out through the actor. This module only says *when*, and
*where*: with several replicas on one PostgreSQL memory, only the one holding the leader lock
(agent.db.leader) runs the jobs; the claims stay the exactly-once guard underneath.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, SchedulerEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from agent.db.leader import AlwaysLeader, LeaderLock, leader_lock
from bot.core import Scheduled
from bot.listeners.common import Deps

log = logging.getLogger("scout.scheduler")

# How often the leader looks for today's digest past its hour and still unposted: a replica
# that died mid-digest leaves a claim only a later run can take over (after its lease,
# agent.act.leases.LEASE), so the look is repeated rather than made once at start. Once the
# digest is posted each look is one read of its claim.
CATCH_UP_EVERY = timedelta(minutes=5)


@runtime_checkable
class RunsSequences(Protocol):
    """A core whose actor runs multi-step actions (win-back emails on days 0, 3, 7)."""

    async def run_sequences(self) -> list[str]: ...


@runtime_checkable
class MeasuresRetention(Protocol):
    """A core that measures executed retention actions against their holdout once their
    outcome window has closed (agent.churn.measure); idempotent, so a rerun adds nothing."""

    async def measure_retention(self, day: date) -> str | None: ...


class ScoutJobs:
    """The jobs, callable directly (tests drive them with a fixed date)."""

    def __init__(self, deps: Deps, *, now: Callable[[], datetime] | None = None) -> None:
        self.deps = deps
        self.tz = ZoneInfo(deps.settings.timezone)
        self._now = now or (lambda: datetime.now(self.tz))
        self._leader: LeaderLock | None = None
        self._opening = asyncio.Lock()
        self._closing: asyncio.Task[None] | None = None
        self._leading = False
        # The cron digest and the catch-up may fall due together: one replica builds the
        # digest once at a time (replicas are kept apart by the lock and the claim).
        self._posting = asyncio.Lock()
        # Called when this replica starts leading (build_scheduler runs the catch-up then).
        self.on_lead: Callable[[], None] | None = None

    async def leads(self, job: str) -> bool:
        """Whether this replica runs `job` now: it holds (or just took) the leader lock.

        The lock is made on the first job (the scheduler's start) and asked at every run, so
        a replica that lost its connection stops at once and another starts at its next tick;
        a replica that starts leading calls `on_lead` (another leader may have died mid-job).
        """
        if self._leader is None:
            async with self._opening:
                if self._leader is None:
                    memory = self.deps.settings.memory
                    self._leader = await leader_lock(memory) if memory else AlwaysLeader()
        leading, self._leading = self._leading, await self._leader.lead()
        if self._leading and not leading:
            log.info("scheduler leads job=%s", job)
            if self.on_lead is not None and job != "catch_up":
                self.on_lead()
        if self._leading:
            return True
        log.debug("job skipped job=%s reason=another replica leads", job)
        return False

    async def close(self) -> None:
        """Let go of the leader lock (shutdown): another replica leads from its next tick."""
        leader, self._leader = self._leader, None
        self._leading = False
        if leader is not None:
            await leader.close()

    def close_on_shutdown(self, _event: SchedulerEvent) -> None:
        """APScheduler's shutdown listener: `scout serve` stops the scheduler from inside the
        loop, so the lock is let go there (a process that dies drops it with its connection)."""
        try:
            self._closing = asyncio.get_running_loop().create_task(self.close())
        except RuntimeError:  # stopped outside a loop: nothing was ever opened in one
            log.debug("scheduler stopped outside the event loop; leader lock left to expire")

    def today(self) -> date:
        return self._now().astimezone(self.tz).date()

    def _service(self) -> Scheduled | None:
        core = self.deps.core
        if isinstance(core, Scheduled):
            return core
        log.warning("the core (%s) runs no scheduled jobs", type(core).__name__)
        return None

    async def digest(self, day: date | None = None) -> bool:
        """Post the digest for `day` (default: today in the configured zone) unless claimed."""
        if not await self.leads("digest"):
            return False
        service = self._service()
        if service is None:
            return False
        async with self._posting:
            return await service.post_digest(day or self.today()) is not None

    async def catch_up(self) -> bool:
        """Today's digest, if its hour has passed and it is not posted: the process was down
        at that hour, or the replica that claimed it died before posting (its claim is taken
        over once its lease has run out). Run at start, every CATCH_UP_EVERY and when this
        replica starts leading; the per-date claim keeps it to once, and it says late."""
        if not await self.leads("catch_up"):
            return False
        hour, minute = (int(part) for part in self.deps.settings.schedule.digest_time.split(":"))
        now = self._now().astimezone(self.tz)
        if now <= now.replace(hour=hour, minute=minute, second=0, microsecond=0):
            return False  # the cron job posts it at its hour
        service = self._service()
        if service is None:
            return False
        async with self._posting:
            return await service.post_digest(now.date(), late=True) is not None

    async def weekly(self, week_start: date | None = None) -> bool:
        """Post the weekly summary of the previous Monday–Sunday week unless claimed."""
        if not await self.leads("weekly"):
            return False
        if week_start is None:
            today = self.today()
            week_start = today - timedelta(days=today.weekday() + 7)
        service = self._service()
        return service is not None and await service.post_weekly(week_start) is not None

    async def retrain(self, week_start: date | None = None) -> bool:
        """Retrain the core's models once a week (claimed, so one replica does it)."""
        if not await self.leads("retrain"):
            return False
        today = self.today()
        service = self._service()
        start = week_start or today - timedelta(days=today.weekday())
        trained = await service.retrain_weekly(start) if service is not None else None
        if trained:
            log.info("retrained %s", trained)
        return trained is not None

    async def sequences(self) -> int:
        """The due-steps job: hand back claims a dead process left (older than the lease,
        agent.act.leases), send the single emails and webhooks due again after a failure
        that may pass (agent.act.retries) and the sequence steps that are due (win-back
        emails); each is claimed first, so replicas running this job at once send every one
        once."""
        if not await self.leads("sequences"):
            return 0
        core = self.deps.core
        if not isinstance(core, RunsSequences):
            return 0
        ran = await core.run_sequences()
        if ran:
            log.info("sequence steps run=%d", len(ran))
        return len(ran)

    async def measure(self, day: date | None = None) -> bool:
        """Measure the retention actions whose outcome window has closed (daily)."""
        if not await self.leads("measure"):
            return False
        core = self.deps.core
        if not isinstance(core, MeasuresRetention):
            return False
        said = await core.measure_retention(day or self.today())
        if said:
            log.info("%s", said)
        return said is not None

    async def monitor(self) -> int:
        """One monitor cycle; returns how many messages it handed to the actor."""
        if not await self.leads("monitor"):
            return 0
        service = self._service()
        published = await service.run_monitor() if service is not None else []
        log.info("monitor cycle messages=%d", len(published))
        return len(published)


def build_scheduler(
    jobs: ScoutJobs, *, catch_up_every: timedelta = CATCH_UP_EVERY
) -> AsyncIOScheduler:
    """APScheduler jobs in the configured time zone; start it inside the running loop."""
    schedule = jobs.deps.settings.schedule
    hour, minute = (int(part) for part in schedule.digest_time.split(":"))
    scheduler = AsyncIOScheduler(timezone=jobs.tz)
    # coalesce + max_instances=1: a slow cycle never stacks up; misfires inside the grace
    # time still run once (the digest claim keeps that to one post per day).
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    settings = jobs.deps.settings
    # A job whose channel scout.yml does not name stays off (App Home and the log say so):
    # with the tokens alone Scout still answers questions.
    if settings.alerts_channel is not None:
        scheduler.add_job(
            jobs.monitor,
            IntervalTrigger(minutes=schedule.monitor_every_minutes, timezone=jobs.tz),
            id="monitor",
            **common,
        )
    if settings.digest_channel is not None:
        scheduler.add_job(
            jobs.digest,
            CronTrigger(hour=hour, minute=minute, timezone=jobs.tz),
            id="digest",
            **common,
        )
        # Monday's digest carries the weekly summary: one message that morning, not two in
        # the same minute. A team that wants the week on another day gets its own post.
        if schedule.weekly_day != "mon":
            scheduler.add_job(
                jobs.weekly,
                CronTrigger(
                    day_of_week=schedule.weekly_day, hour=hour, minute=minute, timezone=jobs.tz
                ),
                id="weekly",
                **common,
            )
        scheduler.add_job(
            jobs.catch_up,
            IntervalTrigger(seconds=catch_up_every.total_seconds(), timezone=jobs.tz),
            id="catch_up",
            next_run_time=datetime.now(jobs.tz),  # at start too: the process may have been down
            **common,
        )

        def catch_up_now() -> None:
            try:
                scheduler.modify_job("catch_up", next_run_time=datetime.now(jobs.tz))
            except JobLookupError:  # the scheduler was shut down meanwhile
                log.debug("catch-up not rescheduled: the scheduler is stopped")

        jobs.on_lead = catch_up_now
    for note in settings.off:
        log.warning("%s", note)
    scheduler.add_listener(jobs.close_on_shutdown, EVENT_SCHEDULER_SHUTDOWN)
    # Always on, approvers or not: its sweep hands back the claims of a replica that died
    # mid-send, and retries follow actions that needed no approver too. Steps and retries
    # fall due on the day or the quarter hour, not to the minute, so every 15 minutes is on
    # time; with nothing due a run is a few reads.
    scheduler.add_job(
        jobs.sequences, IntervalTrigger(minutes=15, timezone=jobs.tz), id="sequences", **common
    )
    # Outcomes are counted in whole days: once a day, an hour before the retrain and the
    # digest, so the morning's "what works" includes yesterday's closed windows.
    scheduler.add_job(
        jobs.measure,
        CronTrigger(hour=max(hour - 3, 0), minute=minute, timezone=jobs.tz),
        id="measure_retention",
        **common,
    )
    # Retrain before the digest's hour, so the morning's churn section uses the new labels.
    scheduler.add_job(
        jobs.retrain,
        CronTrigger(day_of_week=schedule.weekly_day, hour=max(hour - 2, 0), timezone=jobs.tz),
        id="retrain",
        **common,
    )
    return scheduler
