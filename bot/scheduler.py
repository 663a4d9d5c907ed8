"""Scheduled work in the serving process: the monitor cycle, the 09:00 digest, the weekly summary.

Each digest is claimed under a key per date (`digest:2025-12-15`, `weekly:2025-12-15`) before
it is computed, so a restart, a misfire catch-up or a second replica never posts it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.blocks import answer_message
from bot.core import DigestClaims, KillSwitch, Reply, Retrainer, ThreadRef
from bot.listeners.answer import post_reply
from bot.listeners.common import Deps

log = logging.getLogger("scout.scheduler")


class ScoutJobs:
    """The job bodies, callable directly (tests drive them with a fixed date)."""

    def __init__(
        self, deps: Deps, claims: DigestClaims, *, now: Callable[[], datetime] | None = None
    ) -> None:
        self.deps = deps
        self.claims = claims
        self.tz = ZoneInfo(deps.settings.timezone)
        self._now = now or (lambda: datetime.now(self.tz))

    def today(self) -> date:
        return self._now().astimezone(self.tz).date()

    async def digest(self, day: date | None = None) -> bool:
        """Post the digest for `day` (default: today in the configured zone) unless claimed."""
        day = day or self.today()
        target = day
        return await self._scheduled(
            f"digest:{day.isoformat()}", lambda: self.deps.core.digest(target)
        )

    async def weekly(self, week_start: date | None = None) -> bool:
        """Post the weekly summary of the previous Monday–Sunday week unless claimed."""
        if week_start is None:
            today = self.today()
            week_start = today - timedelta(days=today.weekday() + 7)
        start = week_start
        return await self._scheduled(
            f"weekly:{start.isoformat()}", lambda: self.deps.core.weekly(start)
        )

    async def retrain(self, week_start: date | None = None) -> bool:
        """Retrain the core's models once a week (claimed, so one replica does it)."""
        core = self.deps.core
        if not isinstance(core, Retrainer):
            return False
        today = self.today()
        start = week_start or today - timedelta(days=today.weekday())
        if not await self.claims.claim_digest(f"retrain:{start.isoformat()}"):
            return False
        try:
            log.info("retrained %s", await core.retrain())
        except Exception:  # a failed retrain keeps the previous model serving
            log.exception("retrain failed week=%s", start)
            return False
        return True

    async def _scheduled(self, key: str, make: Callable[[], Awaitable[Reply]]) -> bool:
        # Claim first: at most once. A crash between claim and post loses that day's post,
        # which beats two digests in the channel.
        channel = self.deps.settings.digest_channel
        if await self._paused():
            # The kill switch stops every outbound effect; the key stays unclaimed, so
            # `scout digest` can still post it by hand after resuming.
            log.info("scheduled post skipped, Scout is paused key=%s", key)
            return False
        if not await self.claims.claim_digest(key):
            log.info("scheduled post skipped, already claimed key=%s", key)
            return False
        reply = await make()
        if channel is None:
            log.warning("no slack.digest_channel; %s not posted", key)
            return False
        ts = await post_reply(self.deps, channel, reply)
        await self.deps.core.attach_thread(reply, ThreadRef(channel=channel, thread_ts=ts))
        log.info("scheduled post key=%s channel=%s ts=%s", key, channel, ts)
        return True

    async def _paused(self) -> bool:
        core = self.deps.core
        return isinstance(core, KillSwitch) and await core.is_paused()

    async def monitor(self) -> int:
        """One monitor cycle: each alert once in its channel, its investigation threaded.

        One path for outbound effects: a core that acts (the real agent) has its actor post
        each alert through the Slack notifier, exactly once, redacted, and not at all while
        paused; its replies say where (`reply.posted`), and this job only threads the
        investigation under that message. A reply without `posted` (proposals waiting for an
        approver, or a core without an actor) is posted here as a headline plus thread.
        """
        alerts = await self.deps.core.monitor()
        channel = self.deps.settings.alerts_channel
        posted = 0
        for reply in alerts:
            if reply.posted is None:
                continue
            where = ThreadRef(
                channel=self.deps.settings.channel_id(reply.posted.channel),
                thread_ts=reply.posted.thread_ts,
            )
            if reply.findings:
                await post_reply(self.deps, where.channel, reply, thread_ts=where.thread_ts)
            await self.deps.core.attach_thread(reply, where)
            posted += 1
        alerts = [reply for reply in alerts if reply.posted is None]
        if alerts and await self._paused():
            log.info("monitor: Scout is paused; %d message(s) not posted", len(alerts))
            return posted
        if channel is None:
            if alerts:
                log.warning("no slack.alerts_channel; %d alerts not posted", len(alerts))
            return posted
        for reply in alerts:
            # proposals (their buttons) and the monitor's daily trouble note: at the top
            if (reply.actions or reply.error) and not reply.findings:
                await post_reply(self.deps, channel, reply)
                continue
            headline = reply.text or (reply.findings[0].summary if reply.findings else "KPI alert")
            head = answer_message(Reply(text=f":rotating_light: {headline}"))
            ts = await post_reply(self.deps, channel, Reply(), message=head)
            await post_reply(self.deps, channel, reply, thread_ts=ts)
            await self.deps.core.attach_thread(reply, ThreadRef(channel=channel, thread_ts=ts))
        log.info("monitor cycle alerts=%d", posted + len(alerts))
        return posted + len(alerts)


def build_scheduler(jobs: ScoutJobs) -> AsyncIOScheduler:
    """APScheduler jobs in the configured time zone; start it inside the running loop."""
    schedule = jobs.deps.settings.schedule
    hour, minute = (int(part) for part in schedule.digest_time.split(":"))
    scheduler = AsyncIOScheduler(timezone=jobs.tz)
    # coalesce + max_instances=1: a slow cycle never stacks up; misfires inside the grace
    # time still run once (the digest claim keeps that to one post per day).
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    scheduler.add_job(
        jobs.monitor,
        IntervalTrigger(minutes=schedule.monitor_every_minutes, timezone=jobs.tz),
        id="monitor",
        **common,
    )
    scheduler.add_job(
        jobs.digest, CronTrigger(hour=hour, minute=minute, timezone=jobs.tz), id="digest", **common
    )
    scheduler.add_job(
        jobs.weekly,
        CronTrigger(day_of_week=schedule.weekly_day, hour=hour, minute=minute, timezone=jobs.tz),
        id="weekly",
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
