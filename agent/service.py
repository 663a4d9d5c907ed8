"""Scout's application service: the one core behind every door (Slack, terminal, CLI, scheduler).

Every call runs through `run_cycle` and the actor, so each door shows the same answers and
the same proposals; the doors only render the views (agent/views.py) it returns.
Construction is one line: `ScoutService(deps)`; `build_service(config)` opens the deps.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date

from agent.act import Actor, ActResult, ApprovalNotFound, ApprovalRequest, Integration
from agent.act.answers import delivered_message, send_answer
from agent.act.leases import LEASE
from agent.act.ports import IsAuthorised
from agent.config import ScoutConfig, channel_aliases
from agent.deps import Deps, open_deps
from agent.digest import STORY, story_goal, weekly_summary
from agent.domain import (
    Action,
    Anomaly,
    Finding,
    FindingKind,
    Goal,
    Intent,
    NeedsApproval,
    stable_key,
)
from agent.errors import MemoryUnavailable
from agent.loop import investigation_line, propose, run_cycle
from agent.loop_parts import ActionOutcome, CycleResult, DigestDue, MonitorTick, PersonAsked
from agent.materialise import anomaly_params, investigation_goal
from agent.views import (
    ActionStatus,
    AlertSummary,
    AnswerPlace,
    DecisionKind,
    DecisionOutcome,
    Effectiveness,
    HomeView,
    KpiStatus,
    MessageRef,
    MonitorReport,
    Progress,
    ProposedAction,
    Published,
    Reply,
    ThreadRef,
    parse_option_token,
)

log = logging.getLogger(__name__)
MAX_PENDING_QUESTIONS = 256

_STATUS = {
    "executed": ActionStatus.EXECUTED,
    "queued": ActionStatus.QUEUED,
    "dry_run": ActionStatus.DRY_RUN,
    "deduplicated": ActionStatus.EXECUTED,
    "pending_approval": ActionStatus.PENDING,
    "refused": ActionStatus.REFUSED,
    "failed": ActionStatus.FAILED,
}
_STATE = {
    "pending": ActionStatus.PENDING,
    "approved": ActionStatus.EXECUTED,
    "rejected": ActionStatus.REJECTED,
    "expired": ActionStatus.EXPIRED,
}


class ScoutService:
    """Questions, clarifications, approvals, feedback, digests, monitoring, home, retraining."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._settled: OrderedDict[str, ProposedAction] = OrderedDict()
        # Alerts the actor posted, by message ts, until the adapter says which thread they
        # are (attach_thread); then the 👍/👎 link is persisted under that thread's key.
        self._posted: OrderedDict[str, ActionOutcome] = OrderedDict()

    async def close(self) -> None:
        await self.deps.close()

    async def aclose(self) -> None:
        """What `scout serve` calls on shutdown."""
        await self.close()

    def connect_outbound(
        self, *, integrations: Mapping[str, Integration], is_authorised: IsAuthorised
    ) -> None:
        """Deliver through the adapter's integrations; authorise with the adapter's check."""
        act = self.deps.act
        if not isinstance(act, Actor):
            raise TypeError(f"cannot connect integrations to {type(act).__name__}")
        act.connect(integrations=integrations, is_authorised=is_authorised)

    # ------------------------------------------------------------------ kill switch

    async def pause(self, user: str, reason: str = "") -> None:
        await self.deps.act.pause(user, reason)

    async def resume(self, user: str, reason: str = "") -> None:
        await self.deps.act.resume(user, reason)

    async def is_paused(self) -> bool:
        return await self.deps.act.is_paused()

    async def first_delivery(self, key: str) -> bool:
        """Handle each Slack delivery once across restarts and replicas (a memory claim)."""
        return await self.deps.memory.claim(f"delivery:{key}")

    # ------------------------------------------------------------------ conversation

    async def ask(
        self,
        text: str,
        *,
        thread: ThreadRef,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        trigger = PersonAsked(text=text, thread_key=thread.key, user=user)
        deps = self._asker(user, groups)
        return await self._reply(thread, await run_cycle(deps, trigger, progress=on_progress))

    async def choose(
        self,
        thread: ThreadRef,
        option_value: str,
        user: str,
        on_progress: Progress,
        groups: frozenset[str] = frozenset(),
    ) -> Reply:
        # From memory, so a click after a restart (or on another replica) still continues.
        options = await self.deps.memory.load_clarification(thread.key)
        index = parse_option_token(option_value, options)
        if index is None:
            return Reply(error="That question has moved on; please ask again.")
        goal = options[index].goal
        trigger = PersonAsked(
            text=goal.text or options[index].label, thread_key=thread.key, user=user, goal=goal
        )
        deps = self._asker(user, groups)
        return await self._reply(thread, await run_cycle(deps, trigger, progress=on_progress))

    def _asker(self, user: str, groups: frozenset[str]) -> Deps:
        """The deps working for the asker: their data access from their user id (from the
        signed payload) and their Slack user groups (looked up by the adapter), never from
        what they wrote. Without a policies file everyone is unrestricted."""
        policies = self.deps.policies
        if policies is None:
            return self.deps
        return self.deps.limited_to(policies.for_user(user, groups))

    async def knows_thread(self, thread: ThreadRef) -> bool:
        if await self.deps.memory.load_thread(thread.key) is not None:
            return True
        return bool(await self.deps.memory.load_clarification(thread.key))

    async def remember_answer(self, thread: ThreadRef, message_ts: str) -> None:
        """The answer posted as `message_ts` is the thread's latest: keep which findings it
        showed, so "Show SQL" on it shows its own SQL even after later answers and restarts."""
        context = await self.deps.memory.load_thread(thread.key)
        if context is not None and context.finding_ids:
            ids = json.dumps(list(context.finding_ids))
            await self.deps.memory.claim(_ANSWER_KEY + f"{thread.channel}:{message_ts}", owner=ids)

    async def answer_evidence(self, thread: ThreadRef, message_ts: str) -> tuple[Finding, ...]:
        """The SQL evidence of the answer posted as `message_ts`, from memory; the thread's
        latest findings for a message Scout did not record (a scheduled post)."""
        owner = await self.deps.memory.claimed_by(_ANSWER_KEY + f"{thread.channel}:{message_ts}")
        if owner:
            return await self.deps.memory.evidence_of([int(i) for i in json.loads(owner)])
        return await self.deps.memory.thread_evidence(thread.key)

    async def attach_thread(self, reply: Reply, thread: ThreadRef) -> None:
        """A scheduled reply was posted here: keep its findings so follow-ups have context
        (a digest has no single goal; its thread still answers replies like any other)."""
        ids = []
        goal = reply.goal or Goal(intent=Intent.LOOKUP, text=reply.text[:200])
        for finding in reply.findings:
            if goal is not None:
                ids.append(await self.deps.memory.record_finding(thread.key, goal, finding))
        if goal is not None and not goal.needs_clarification:
            await self.deps.memory.save_thread(thread.key, goal, ids)
        outcome = self._posted.pop(reply.posted.thread_ts, None) if reply.posted else None
        if outcome is not None:
            await self._link_feedback(thread, outcome)

    async def feedback(self, thread: ThreadRef, user: str, positive: bool) -> None:
        """Record a vote; when the thread is about an action, it also teaches that kind."""
        found = await self.deps.memory.thread_findings(thread.key, limit=1)
        link = await self.deps.memory.feedback_link(thread.key)
        await self.deps.memory.record_feedback(
            thread.key,
            user,
            positive,
            finding_id=found[0].id if found else None,
            kind=link.kind if link else "",
            situation=link.situation if link else "",
        )

    async def _link_feedback(self, thread: ThreadRef, outcome: ActionOutcome) -> None:
        await self.deps.memory.link_feedback(
            thread.key,
            kind=outcome.action.kind,
            situation=outcome.situation or "any",
            action_key=outcome.action.idempotency_key,
        )

    # ------------------------------------------------------------------ actions

    async def decide(
        self, approval_id: str, user: str, approve: bool, reason: str = ""
    ) -> DecisionOutcome:
        try:
            return await self._decide(approval_id, user, approve, reason)
        except MemoryUnavailable as error:
            # The write that records a decision comes before anything executes, and a failed
            # transaction is rolled back: the request is still pending, as it was.
            log.warning(
                "decision_unrecorded approval=%s user=%s error=%s", approval_id, user, error
            )
            verb = "approval" if approve else "rejection"
            return DecisionOutcome(
                kind="unrecorded",
                message=f"I couldn't record your {verb}: {error} Nothing was executed and "
                "the request is still open; please try again.",
            )

    async def _decide(
        self, approval_id: str, user: str, approve: bool, reason: str
    ) -> DecisionOutcome:
        try:
            before = await self.deps.act.approval(approval_id)
        except ApprovalNotFound:
            return DecisionOutcome(kind="not_found", message="I can't find that proposal.")
        if before.state != "pending":
            kind: DecisionKind = "expired" if before.state == "expired" else "already_decided"
            return DecisionOutcome(kind=kind, action=await self._request_view(before))
        if approve:
            result = await self.deps.act.approve(approval_id, user)
        else:
            result = await self.deps.act.reject(approval_id, user, reason)
        await record_decision(self.deps, approval_id, approve, result)
        after = await self._request_view(await self.deps.act.approval(approval_id), result)
        return DecisionOutcome(kind=_decision_kind(result), action=after, message=result.reason)

    async def remember_proposal_message(self, approval_id: str, message: MessageRef) -> None:
        """Where a proposal's buttons were posted, so a decision taken elsewhere (App Home,
        the CLI) also settles that message. The first post is the one that counts."""
        await self.deps.memory.claim(_MESSAGE_KEY + approval_id, owner=_ref_text(message))

    async def proposal_message(self, approval_id: str) -> MessageRef | None:
        owner = await self.deps.memory.claimed_by(_MESSAGE_KEY + approval_id)
        return _ref_parse(owner) if owner else None

    async def action_state(self, approval_id: str) -> ProposedAction | None:
        try:
            return await self._request_view(await self.deps.act.approval(approval_id))
        except ApprovalNotFound:
            return self._settled.get(approval_id)

    async def _request_view(
        self, request: ApprovalRequest, result: ActResult | None = None
    ) -> ProposedAction:
        """An approval request as people should read it: an approved request says what its
        execution did (sent, queued, dry run, failed), or that it was refused and never ran."""
        view = _from_request(request, result)
        if request.state != "approved":
            return view
        runs = await self.deps.act.executions(key=request.action.idempotency_key, limit=5)
        live = [e for e in runs if e.approval_id == request.id]
        if not live:
            why = result.reason if result is not None else "refused when it came to run"
            return replace(view, status=ActionStatus.REFUSED, result=why)
        execution = live[-1]
        status = _STATUS.get(execution.status, ActionStatus.EXECUTED)
        return replace(view, status=status, result=execution.error or execution.result or "")

    # ------------------------------------------------------------------ scheduled

    async def digest(self, day: date) -> Reply:
        result = await run_cycle(self._posting_to(self.digest_channel), DigestDue(day=day))
        text = f"Good morning! Scout's digest for {day:%A %B %-d}."
        return await self._reply(None, result, text=text)

    async def weekly(self, week_start: date) -> Reply:
        access = self._posting_to(self.digest_channel).access
        if access.row_filters or access.hidden_metrics or access.hidden_columns:
            # The weekly summary reads company-wide numbers outside `ctx.run`.
            return Reply(
                text="The weekly summary is not posted here: this channel's data access "
                "policy limits what it may show."
            )
        finding = await weekly_summary(self.deps, week_start)
        return Reply(text=finding.summary, findings=(finding,))

    async def monitor(self) -> list[Reply]:
        """One monitor cycle's replies (nothing posted besides what the actor decided)."""
        result = await run_cycle(
            self._posting_to(self.alerts_channel), MonitorTick(at=self.deps.clock())
        )
        replies = await self._monitor_replies(result, self._readings(result))
        return [reply for reply, _ in replies]

    async def _monitor_replies(
        self, result: CycleResult, readings: Mapping[str, str]
    ) -> list[tuple[Reply, ActionOutcome | None]]:
        """What a monitor cycle has to say: a trouble note, each alert's investigation (with
        its alert's outcome, and how to read it: `readings`), the actions waiting for an
        approver.

        One path for every outbound effect: each new anomaly became an `alert` action in the
        cycle (its fingerprint de-duplicates it across cycles, restarts and replicas),
        proposed to the actor with the rules' actions, so guardrails, redaction, rate limits,
        the kill switch and exactly-once delivery hold for alerts too. The actor posts; each
        reply here says where (`posted`) and carries the investigation to thread under it.
        """
        for error in result.errors:
            log.warning("monitor_error error=%s", error)
        outcomes = list(result.actions)
        replies: list[tuple[Reply, ActionOutcome | None]] = []
        notice = await self._error_notice(result)
        if notice is not None:
            replies.append((notice, None))
        for outcome in outcomes:
            posted = await self._posted_at(outcome)
            # In dry run the alert was only recorded; its investigation is recorded too, so
            # the outbox holds everything that would have been sent.
            if posted is None and outcome.result.status != "dry_run":
                continue
            if posted is not None:
                self._posted[posted.thread_ts] = outcome
                while len(self._posted) > MAX_PENDING_QUESTIONS:
                    self._posted.popitem(last=False)
            goal = self._investigation_goal(outcome, result)
            findings = (self.deps.investigator.findings(goal) or ()) if goal else ()
            findings = self._formatted(findings, goal)
            title = str(outcome.action.params.get("title") or outcome.action.kind)
            reading = readings.get(findings[0].title) if findings else None
            replies.append(
                (
                    Reply(
                        text=f"What Scout found about: {title}"
                        + (f"\n{reading}" if reading else ""),
                        goal=goal,
                        findings=findings,
                        posted=posted,
                    ),
                    outcome,
                )
            )
        waiting = tuple(
            self._proposed(o) for o in outcomes if o.result.status == "pending_approval"
        )
        if waiting:
            text = "Scout's KPI monitor proposes actions that need an approver."
            replies.append((Reply(text=text, actions=waiting), None))
        return replies

    async def _error_notice(self, result: CycleResult) -> Reply | None:
        """One friendly line about what went wrong, once per error kind per day.

        The monitor runs every few minutes; a warehouse that stays down must not post every
        time. The claim is a memory row per (day, kind), so restarts and replicas agree.
        """
        day = self.deps.today().isoformat()
        kinds = result.error_kinds or ("cycle",) * len(result.errors)
        fresh: list[str] = []
        for kind, text in zip(kinds, result.errors, strict=False):
            if text not in fresh and await self.deps.memory.claim(f"monitor-error:{day}:{kind}"):
                fresh.append(text)
        if not fresh:
            return None
        line = "Scout's KPI check ran into trouble: " + " ".join(fresh)
        if len(line) > 600:
            line = line[:597] + "…"
        return Reply(error=line + " I will keep trying; this note is posted once a day.")

    async def _posted_at(self, outcome: ActionOutcome) -> ThreadRef | None:
        """Where the actor posted this outcome's new message (None: nothing new was posted)."""
        return await self._delivered_thread(outcome.result)

    async def _delivered_thread(
        self, result: ActResult, thread: str | None = None
    ) -> ThreadRef | None:
        """The thread a delivered post opened (or joined); None when nothing reached Slack."""
        message = delivered_message(result, thread)
        if message is None:
            return None
        return ThreadRef(channel=message.channel, thread_ts=message.thread_ts)

    # ------------------------------------------------------------------ posting on its own

    def channel_id(self, name: str) -> str:
        """A logical channel (#kpi-alerts) as its configured id; anything else unchanged."""
        bare = name.strip().removeprefix("#")
        return channel_aliases(self.deps.config).get(bare, bare)

    @property
    def digest_channel(self) -> str:
        config = self.deps.config
        return config.slack.digest_channel or config.planning.targets.get("report", "kpi-digest")

    @property
    def alerts_channel(self) -> str:
        config = self.deps.config
        return config.slack.alerts_channel or config.planning.targets.get("alert", "kpi-alerts")

    async def answer_out(self, reply: Reply, place: AnswerPlace) -> Published:
        """Send an answer to the conversation it was asked in, through the actor: redacted
        into the outbox, held while paused, posted once; what became of it."""
        return await send_answer(self.deps.act, reply, place)

    async def publish(
        self, reply: Reply, *, channel: str, title: str, key: str, thread: str | None = None
    ) -> Published:
        """Post a reply Scout wrote on its own, through the actor like every other effect.

        It is a `report` action: the guardrails decide (an unnamed channel waits for an
        approver), the kill switch and dry-run hold, the text is redacted into the outbox,
        `key` makes it exactly once, and the rich reply is cleaned before delivery.
        """
        body = reply.plain_text()
        params: dict[str, object] = {
            "channel": channel,
            "title": title[:200],
            "text": body if len(body) <= 12000 else body[:11999] + "…",
        }
        if thread:
            params["thread"] = thread
        action = Action(
            kind="report", target=channel, params=params, priority=50, reason=title, key=key
        )
        outcome = await propose(self.deps, action, requested_by="scout", content=reply)
        result = outcome.result
        if result.status not in ("executed", "queued", "dry_run", "deduplicated"):
            log.warning("publish key=%s status=%s reason=%s", key, result.status, result.reason)
        message = delivered_message(result, thread)
        if message is not None:
            for proposed in reply.actions:
                if proposed.open:
                    await self.remember_proposal_message(proposed.approval_id, message)
        return Published(
            status=result.status,
            reason=result.reason,
            where=ThreadRef(channel=message.channel, thread_ts=message.thread_ts)
            if message
            else None,
            outbox_ids=result.outbox_ids,
        )

    async def post_digest(self, day: date, *, late: bool = False) -> Published | None:
        """The morning digest for `day`, once per date (None: already posted, or paused).
        `late`: posted on start because Scout was not running at the digest's hour."""
        title = f"Scout's digest for {day:%A %B %-d}"

        async def make() -> Reply:
            reply = await self.digest(day)
            if not late:
                return reply
            note = " Posted late: Scout was not running at the usual time."
            return replace(reply, text=reply.text + note)

        if late:
            title += " (late)"
        return await self._post_once(f"digest:{day.isoformat()}", make, title=title)

    async def post_weekly(self, week_start: date) -> Published | None:
        """The weekly summary of the week from `week_start`, once per week."""
        return await self._post_once(
            f"weekly:{week_start.isoformat()}",
            lambda: self.weekly(week_start),
            title=f"Scout's week of {week_start:%B %-d}",
        )

    async def _post_once(
        self, key: str, make: Callable[[], Awaitable[Reply]], *, title: str
    ) -> Published | None:
        """Build and post a scheduled message once per `key`, across replicas and restarts.

        Claimed before computing, so a second replica or a misfire catch-up does not even
        build it; while paused nothing is claimed, so it can be posted after resuming. The
        claim is a lease (as the actor's claims are, agent.act.leases): it is finished only
        once the actor has taken the post, so a process killed while building it leaves a
        claim the next run after the lease (the other replica's, or the restarted process's
        catch-up) takes over; the post's key keeps a repeat from reaching Slack twice.
        """
        if await self.is_paused():
            log.info("scheduled post skipped, Scout is paused key=%s", key)
            return None
        if not await self.deps.memory.claim(key, owner=_OWNER, lease=LEASE):
            log.info("scheduled post skipped, already claimed key=%s", key)
            return None
        made = await make()
        headline, details = _split_for_reading(made)
        published = await self.publish(
            headline, channel=self.digest_channel, title=title, key=stable_key("scheduled", key)
        )
        # A reply in the thread ("why?") is about the digest's biggest story; the goal is kept
        # for follow-ups only, so the post does not read "Understood as" a question nobody asked.
        about = _replies_about(made, self.deps.today())

        def context(reply: Reply) -> Reply:
            return replace(reply, goal=about) if about is not None else reply

        if published.where is not None:
            await self.attach_thread(context(headline), published.where)
        if details.findings:
            # The sections follow in the headline's thread: one screen in the channel. With
            # no Slack message to thread under (outbox only, dry run) they are still recorded.
            thread = published.where.thread_ts if published.where is not None else None
            await self.publish(
                details,
                channel=self.digest_channel,
                title=title + " (details)",
                key=stable_key("scheduled", key, "details"),
                thread=thread,
            )
            if published.where is not None:
                await self.attach_thread(context(details), published.where)
        if published.status in _TAKEN:
            await self.deps.memory.finish(key)
        else:
            # Refused (paused meanwhile) or failed: nothing went out, so the claim is left to
            # its lease and a later catch-up posts it.
            log.warning("scheduled post not taken key=%s status=%s", key, published.status)
        log.info("scheduled post key=%s status=%s", key, published.status)
        return published

    async def run_monitor(self) -> list[Published]:
        """One monitor cycle and every message it posts (what the scheduler runs)."""
        return list((await self.check_kpis()).published)

    async def check_kpis(self) -> MonitorReport:
        """One monitor cycle and everything it posts: alerts (the actor posts them), each
        alert's investigation in its thread, proposals waiting for an approver and a daily
        trouble note in the alerts channel — every message through the actor. The served
        scheduler and `scout run --once` both call this, so both propose the same."""
        result = await run_cycle(
            self._posting_to(self.alerts_channel), MonitorTick(at=self.deps.clock())
        )
        published: list[Published] = []
        readings = self._readings(result)
        for reply, alert in await self._monitor_replies(result, readings):
            if reply.posted is None and alert is not None:
                if reply.findings:  # the dry-run alert's investigation: recorded, not sent
                    key = stable_key(
                        "investigation", "dry-run", alert.action.kind, dict(alert.action.params)
                    )
                    published.append(
                        await self.publish(
                            reply,
                            channel=self.alerts_channel,
                            title=reply.text or "What Scout found",
                            key=key,
                        )
                    )
                continue
            if reply.posted is not None:
                if reply.findings:
                    published.append(
                        await self.publish(
                            reply,
                            channel=reply.posted.channel,
                            thread=reply.posted.thread_ts,
                            title=reply.text or "What Scout found",
                            key=stable_key("investigation", reply.posted.key),
                        )
                    )
                await self.attach_thread(reply, reply.posted)
                continue
            tokens = sorted(p.approval_id for p in reply.actions)
            key = stable_key("monitor-post", self.deps.today().isoformat(), reply.error, tokens)
            title = "Scout's KPI check" if reply.error else "Actions waiting for an approver"
            posted = await self.publish(reply, channel=self.alerts_channel, title=title, key=key)
            published.append(posted)
        return MonitorReport(
            cycle_id=result.cycle_id,
            observations=result.observations,
            confidence=result.confidence,
            seconds=result.seconds,
            findings=tuple(
                replace(f, summary=f"{readings[f.title]} {f.summary}") if f.title in readings else f
                for f in self._formatted(result.findings, None)
            ),
            new_anomalies=result.new_anomalies,
            updated_anomalies=result.updated_anomalies,
            movers=len(result.movers),
            actions=tuple(self._proposed(o) for o in result.actions),
            errors=result.errors,
            published=tuple(published),
        )

    async def run_sequences(self) -> list[str]:
        """The due-steps job (what the scheduler calls): the sweep of dead claims, the
        retries and sequence steps due now; a status line for each send it ran."""
        act = self.deps.act
        if not isinstance(act, Actor):
            return []
        return (await act.run_due_steps()).lines()

    async def retrain_weekly(self, week_start: date) -> str | None:
        """Retrain once per week across replicas (None: another run has it, or it failed)."""
        if not await self.deps.memory.claim(f"retrain:{week_start.isoformat()}"):
            return None
        try:
            return await self.retrain()
        except Exception:  # a failed retrain keeps the previous model serving
            log.exception("retrain failed week=%s", week_start)
            return None

    def _readings(self, result: CycleResult) -> dict[str, str]:
        """Investigation title → how to read it, for each alert (posted, waiting for an
        approver or recorded) whose investigation moved the other way from it (a segment
        behind a store-wide surge, a holiday's usual lift): said first at every door, so the
        answer does not read as a contradiction."""
        readings: dict[str, str] = {}
        for outcome in result.actions:
            anomaly = self._alert_anomaly(outcome, result)
            goal = self._investigation_goal(outcome, result)
            findings = (self.deps.investigator.findings(goal) or ()) if goal else ()
            if anomaly is None or not findings:
                continue
            moved = findings[0].facts.get("direction")
            if moved in ("up", "down") and moved != anomaly.direction:
                readings[findings[0].title] = investigation_line(anomaly, findings[0])
        return readings

    @staticmethod
    def _alert_anomaly(outcome: ActionOutcome, result: CycleResult) -> Anomaly | None:
        fingerprint = outcome.action.params.get("fingerprint")
        return next((a for a in result.new_anomalies if a.fingerprint == fingerprint), None)

    def _investigation_goal(self, outcome: ActionOutcome, result: CycleResult) -> Goal | None:
        """The goal that investigated the signal behind an action (its findings are cached)."""
        params: Mapping[str, object] = {}
        if result.plan is not None and outcome.planned_id:
            try:  # a rule's action: the signal's metric and segment are in the planned params
                params = result.plan.by_id(outcome.planned_id).action.params
            except KeyError:
                params = {}
        else:  # an anomaly alert proposed here: find its anomaly by fingerprint
            anomaly = self._alert_anomaly(outcome, result)
            if anomaly is not None:
                params = anomaly_params(anomaly)
        if "metric" not in params:
            return None
        return investigation_goal(params, self.deps.today())

    async def retrain(self) -> str:
        """The weekly retrain: the churn model learns from the labels that matured since."""
        from agent.churn.agent import retrain  # the model's dependencies load only when used

        model = await retrain(self.deps)
        auc = model.report.holdout_auc
        quality = f", held-out AUC {auc:.2f}" if auc is not None else f" ({model.report.reason})"
        return f"churn model ({model.kind}) for {model.trained_for}{quality}"

    async def pending(self) -> tuple[ProposedAction, ...]:
        """Requests waiting for an approver, oldest first."""
        return tuple(_from_request(p) for p in await self.deps.act.pending())

    async def home(self, user: str) -> HomeView:
        pending = await self.pending()
        stored = await self.deps.memory.thread_findings("monitor", limit=10)
        alerts = tuple(
            AlertSummary(title=f.title + ": " + f.summary[:120], status="reported", at=f.created)
            for f in stored
        )
        watch: list[KpiStatus] = []
        for obs in await self.deps.memory.recent_observations(limit=400):
            data = obs.data
            if obs.source.startswith("kpi:") and not data.get("where"):
                metric = str(data.get("metric"))
                if metric in self.deps.layer.metrics and all(w.metric != metric for w in watch):
                    change = data.get("change")
                    watch.append(
                        KpiStatus(
                            metric=metric,
                            label=self.deps.layer.metric(metric).label,
                            value=data.get("last_7"),
                            change=change if isinstance(change, float) else None,
                            unit=self.deps.layer.metric(metric).unit,
                            status="alert" if abs(float(data.get("z") or 0)) >= 3 else "ok",
                        )
                    )
        learned = tuple(
            Effectiveness(
                action_kind=i.kind,
                tried=i.samples,
                worked=round(i.success_rate * i.samples),
                note=i.trend_label,
            )
            for i in await self.deps.memory.insights()
        )
        return HomeView(
            pending=pending,
            alerts=alerts,
            watchlist=tuple(watch),
            learned=learned,
            what_works=tuple(await self.deps.memory.what_works()),
            paused=await self.deps.act.is_paused(),
        )

    async def measure_retention(self, day: date) -> str | None:
        """The daily job: measure executed retention actions whose outcome window closed."""
        from agent.churn.measure import measure_retention_job

        return (await measure_retention_job(self.deps, day)).summary()

    # ------------------------------------------------------------------ helpers

    def _posting_to(self, channel: str) -> Deps:
        """The deps a scheduled post runs with: the channel's data access policy (policies.yml
        `channels:`, else its `default:`); unchanged when there are no policies."""
        return self.deps.limited_to(self.deps.channel_access(self.channel_id(channel), channel))

    async def _reply(
        self, thread: ThreadRef | None, result: CycleResult, *, text: str = ""
    ) -> Reply:
        clarification = result.goal.clarification if result.goal else None
        if thread is not None and clarification is not None:
            await self.deps.memory.save_clarification(
                thread.key, clarification.question, clarification.options
            )
        if thread is not None and result.actions:
            await self._link_feedback(thread, result.actions[0])
        actions = tuple(self._proposed(o) for o in result.actions)
        lines = [text] if text else []
        lines += list(result.notes)
        error = " ".join(result.errors) if result.errors and not result.findings else None
        if result.errors and result.findings:
            lines += [f"(note: {e})" for e in result.errors]
        return Reply(
            text="\n".join(lines),
            goal=result.goal,
            findings=self._formatted(result.findings, result.goal),
            clarification=clarification,
            actions=actions,
            error=error,
        )

    def _formatted(self, findings: tuple[Finding, ...], goal: Goal | None) -> tuple[Finding, ...]:
        """Findings that know their metrics' formats, so every door renders them alike."""
        metrics = self.deps.layer.metrics

        def fmt(metric: str | None) -> str:
            return metrics[metric].format if metric is not None and metric in metrics else ""

        metric = goal.metric if goal is not None else None
        return tuple(
            replace(
                f,
                value_format=f.value_format or fmt(metric),
                anomalies=tuple(
                    a if a.value_format else replace(a, value_format=fmt(a.metric))
                    for a in f.anomalies
                ),
            )
            for f in findings
        )

    def _proposed(self, outcome: ActionOutcome) -> ProposedAction:
        result = outcome.result
        token = result.approval_id or (result.execution.id if result.execution else "")
        token = token or outcome.action.idempotency_key
        proposed = ProposedAction(
            approval_id=token,
            action=outcome.action,
            decision=result.decision,
            status=_STATUS.get(result.status, ActionStatus.FAILED),
            result=result.reason,
        )
        if not result.approval_id:
            self._settled[token] = proposed
            while len(self._settled) > MAX_PENDING_QUESTIONS:
                self._settled.popitem(last=False)
        return proposed


_MESSAGE_KEY = "proposal-message:"
_ANSWER_KEY = "answer-findings:"
# Which process holds a scheduled post's claim, for the log of a takeover.
_OWNER = f"{socket.gethostname()}:{os.getpid()}"
# What the actor answers once a post is its own to deliver (sent, queued for a retry or an
# approver, recorded in a dry run, or already held under its key): the claim is finished.
_TAKEN = frozenset({"executed", "queued", "pending_approval", "dry_run", "deduplicated"})


def _ref_text(ref: MessageRef) -> str:
    return json.dumps({"channel": ref.channel, "ts": ref.ts, "thread_ts": ref.thread_ts})


def _ref_parse(text: str) -> MessageRef | None:
    try:
        data = json.loads(text)
        return MessageRef(channel=data["channel"], ts=data["ts"], thread_ts=data["thread_ts"])
    except (ValueError, KeyError, TypeError):
        return None


def _split_for_reading(reply: Reply) -> tuple[Reply, Reply]:
    """A long scheduled post as a headline and the details to thread under it.

    The headline reads in one screen: the biggest story in a sentence, the first section (the
    KPIs), then one line per section the thread holds."""
    story = next((f for f in reply.findings if f.kind == STORY), None)
    findings = tuple(f for f in reply.findings if f is not story)
    if len(findings) <= 2:
        return reply, Reply()
    first, rest = findings[0], findings[1:]
    lines = [f"{f.title}: {_first_sentence(f.summary)}" for f in rest if f.summary]
    overview = Finding(
        kind=FindingKind.DIGEST_OVERVIEW,
        title="In the thread",
        summary="\n".join([*lines, "The details are in the thread."]),
    )
    text = "\n".join(t for t in (reply.text, story.summary if story else "") if t)
    headline = replace(reply, text=text, findings=(first, overview))
    return headline, Reply(text="The details:", goal=reply.goal, findings=rest)


def _replies_about(reply: Reply, today: date) -> Goal | None:
    """The goal a reply in a scheduled post's thread continues: its biggest story's, if any."""
    story = next((f for f in reply.findings if f.kind == STORY), None)
    return story_goal(story, today) if story is not None else None


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _decision_kind(result: ActResult) -> DecisionKind:
    """What a click did, from the actor's status and refusal code (never from its prose)."""
    match result.status:
        case "executed" | "dry_run":
            return "executed"
        case "queued":
            return "queued"
        case "failed":
            return "failed"
        case "deduplicated":
            return "already_decided"
        case "pending_approval":
            return "unauthorised"
        case "refused":
            code = result.code
            if code in ("not_authorised", "four_eyes"):
                return "unauthorised"
            if code == "expired":
                return "expired"
            if code == "already_decided":
                return "already_decided"
            if code == "rejected":
                return "rejected"
            return "refused"
    return "failed"


def _from_request(request: ApprovalRequest, result: ActResult | None = None) -> ProposedAction:
    action: Action = request.action
    return ProposedAction(
        approval_id=request.id,
        action=action,
        decision=NeedsApproval(reason=request.reason, approvers=request.approvers),
        status=_STATE.get(request.state, ActionStatus.PENDING),
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        result=(result.reason if result else request.decision_reason or ""),
    )


async def record_decision(deps: Deps, approval_id: str, approved: bool, result: ActResult) -> None:
    """An approval or a rejection is an outcome for learning: did proposing this help?

    Not for retention actions: whether one worked is measured against a holdout from what
    customers did (agent.churn.measure); an approval says only what a person hoped."""
    from agent.learning import RETENTION_KINDS

    if result.status not in ("executed", "refused", "dry_run") or (
        result.status == "refused" and approved
    ):
        return
    request = await deps.act.approval(approval_id)
    action = request.action
    if action.kind in RETENTION_KINDS:
        return
    planned = {p.action_key: p for p in await deps.memory.planned_actions(limit=500)}
    situation = (
        planned[action.idempotency_key].situation if action.idempotency_key in planned else ""
    )
    await deps.memory.record_outcome(
        action.idempotency_key, action.kind, situation or "any", success=approved
    )


async def build_service(config: ScoutConfig) -> ScoutService:
    """The factory `scout serve` loads (SCOUT_CORE=agent.service:build_service)."""
    return ScoutService(await open_deps(config))


__all__ = ["ScoutService", "build_service", "record_decision"]
