"""`scout churn`: the customers most likely to churn, or one customer's risk profile;
`scout churn --measure`: measure executed retention actions against their holdout."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import replace

from rich.console import Console
from rich.table import Table

from agent.churn.agent import CustomerChurnAgent
from agent.churn.audience import ContactHistory, read_contacts, routing_exclusions
from agent.churn.holdout import RetentionDraw
from agent.churn.profile import CustomerRiskProfile
from agent.churn.recommend import OfferLimits
from agent.churn.schema import churn_schema
from agent.churn.store import load_or_train
from agent.config import load_config
from agent.errors import UserError
from agent.learning import Bandit
from agent.semantic import load_semantic
from agent.warehouse import open_warehouse
from bot.commands.common import today_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("churn", help="customers at risk of churning, or one customer's risk")
    parser.add_argument("--top", type=int, default=20, metavar="N", help="list the N most at risk")
    parser.add_argument("--customer", metavar="ID", help="assess one customer, e.g. C000123")
    parser.add_argument("--warehouse", metavar="PATH|URL", help="DuckDB file or SQLAlchemy URL")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="pretend today is this date")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--retrain", action="store_true", help="retrain instead of the cache")
    parser.add_argument(
        "--measure",
        action="store_true",
        help="measure executed retention actions whose outcome window has closed against "
        "their holdout, then say what works (the daily job)",
    )
    parser.add_argument("--memory", metavar="PATH", help="Scout's sqlite memory (with --measure)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.measure:
        return asyncio.run(_measure(args))
    if args.top < 1:
        raise UserError(f"--top must be at least 1 (got {args.top}).")
    config = load_config()
    today = today_from(args)
    warehouse = open_warehouse(args.warehouse or config.warehouse, today=today)
    try:
        layer = load_semantic(config.semantic)
        schema = churn_schema(layer)
        model = load_or_train(warehouse, today, config.churn, retrain=args.retrain, schema=schema)
        # Opt-outs are read from the warehouse; Scout's own contact records are not opened
        # here, so recent contacts and flows are checked only where memory is (Slack, ask).
        contacts = read_contacts(warehouse, layer)
        agent = CustomerChurnAgent(
            warehouse=warehouse,
            today=today,
            rules=config.churn,
            model=model,
            limits=OfferLimits.of(config.guardrails),
            schema=schema,
            exclusions=routing_exclusions(contacts, ContactHistory()),
        )
        if args.customer:
            profiles = [agent.profile(args.customer)]
        else:
            profiles = agent.profiles(list(agent.ranked().index[: args.top]))
        # The same seeded holdout a proposal would draw today: the list shows who it keeps.
        draw = agent.plan_retention(profiles, Bandit())
        profiles = [_with_draw(p, draw) for p in profiles]
        overview = None if args.customer else agent.overview()
        if args.json:
            out: dict[str, object] = {"model": model.describe()}
            if overview is not None:
                out["overview"] = overview.to_json()
            out["profiles"] = [p.to_json() for p in profiles]
            print(json.dumps(out, indent=2))
            return 0
        console = Console()
        console.print(f"[dim]{today:%Y-%m-%d} · {model.describe()}[/]", highlight=False)
        if overview is not None:
            console.print(" ".join(overview.sentences()), highlight=False)
        if args.customer:
            _print_profile(console, profiles[0])
        else:
            _print_table(console, profiles)
        return 0
    finally:
        warehouse.close()


def _print_profile(console: Console, p: CustomerRiskProfile) -> None:
    console.print(f"[bold]{p.customer_id}[/]: {p.summary()}", highlight=False)
    console.print(
        f"value ${p.customer_value:,.0f} next 12 months · at risk ${p.value_at_risk:,.0f} · "
        f"confidence {p.confidence_score:.2f} · last activity {p.last_activity} · "
        f"predicted churn {p.predicted_churn_date}",
        highlight=False,
    )
    console.print(f"next action: {p.next_action}", highlight=False)


def _print_table(console: Console, profiles: list[CustomerRiskProfile]) -> None:
    table = Table(title="Customers most likely to churn")
    for column in ("customer", "p(churn)", "risk", "value, 12 mo", "why", "next action"):
        table.add_column(column)
    for p in profiles:
        table.add_row(
            p.customer_id,
            f"{p.churn_probability:.0%}" if p.churn_probability is not None else "—",
            p.risk_level or "—",
            f"${p.customer_value:,.0f}",
            "; ".join(p.risk_factors) or "—",
            p.next_action,
        )
    console.print(table)


def _with_draw(profile: CustomerRiskProfile, draw: RetentionDraw) -> CustomerRiskProfile:
    """The profile's next action as the holdout leaves it (held out: none, and why)."""
    withheld = draw.withheld_reason(profile.customer_id)
    return replace(profile, next_action=withheld) if withheld else profile


async def _measure(args: argparse.Namespace) -> int:
    from agent.churn.measure import measure_retention_job
    from bot.commands.agent_args import deps_from

    deps = await deps_from(args)
    try:
        report = await measure_retention_job(deps, today_from(args))
    finally:
        await deps.close()
    if args.json:
        out = {
            "day": report.day.isoformat(),
            "measured": report.measured,
            "recorded": report.recorded,
            "not_executed": report.not_executed,
            "what_works": list(report.what_works),
        }
        print(json.dumps(out, indent=2))
        return 0
    console = Console()
    console.print(report.summary(), highlight=False)
    for line in report.what_works or ("Nothing measured yet: no retention window has closed.",):
        console.print(f"• {line}", highlight=False)
    return 0
