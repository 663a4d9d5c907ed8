"""segment: RFM scoring of customers into named, actionable segments, with a CSV for the
campaign team and a k-means cross-check.

Recency, frequency and monetary value are computed in the warehouse (one GROUP BY customer
over the orders table); scoring and naming happen on that aggregated frame (see
`agent.analyses.rfm` for the score rules and the segment map).
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from agent.analyses.base import (
    AnalysisContext,
    coverage,
    no_data_finding,
    require_dimension,
    total,
    where_text,
)
from agent.analyses.declared import filter_sql, identifiers, run_declared
from agent.analyses.rfm import (
    ACTIONS,
    SEGMENT_ORDER,
    agreement_word,
    cluster_check,
    score_customers,
    stability,
)
from agent.churn.audience import AUDIENCE_COLUMNS
from agent.churn.campaign import campaign_for
from agent.domain import ChartSpec, Evidence, Finding, FindingKind, Goal, Series, Table, Window
from agent.semantic.compiler import quote, quote_relation

LOOKBACK_DAYS = 365
ORDERS_TABLE = "orders"
VALUE_METRIC = "revenue"  # declared on the orders table; its measure sums the revenue column
COUNT_METRIC = "customers"

# One row per customer who ordered in [since, as_of). Identifier slots come from the
# semantic layer's orders table ({table}, {time}) and fixed column names; values are bound.
RFM_SQL = """
SELECT
  {customer} AS customer_id,
  DATE_DIFF('day', CAST(MAX({time}) AS DATE), CAST($as_of AS DATE)) AS recency_days,
  COUNT(*) AS frequency,
  CAST(COALESCE(SUM({revenue}), 0) AS DOUBLE) AS monetary
FROM {table}
WHERE {time} >= $since AND {time} < $as_of AND {customer} IS NOT NULL{filters}
GROUP BY 1
ORDER BY 1
"""

# Who had ordered before the window: not new, whatever their one order in it says.
ORDERED_BEFORE_SQL = """
SELECT DISTINCT {customer} AS customer_id FROM {table}
WHERE {time} < $since AND {customer} IS NOT NULL
"""
# ... and, where semantic.yml declares the customer entity, who first ordered before it
# (a warehouse's orders may begin long after its oldest customers' first orders).
FIRST_ORDER_SQL = """
SELECT {key} AS customer_id FROM {customers} WHERE {first_order} < $since
"""

CSV_COLUMNS = (
    "customer_id",
    "segment",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "ordered_before",
)


def rfm_window(ctx: AnalysisContext, goal: Goal) -> Window | None:
    """The last year of orders before the as-of day (or all the data, if it holds less)."""
    as_of = goal.window.end if goal.window is not None else ctx.today
    held = coverage(ctx, VALUE_METRIC)
    if held is None:
        return None
    since = max(as_of - timedelta(days=LOOKBACK_DAYS), held.start)
    end = min(as_of, held.end)
    return Window(start=since, end=as_of, label="rfm") if since < end else None


def rfm_frame(
    ctx: AnalysisContext, window: Window, filters: dict[str, str]
) -> tuple[pd.DataFrame, Evidence]:
    """Recency (days), frequency (orders) and monetary (revenue) per customer, from SQL."""
    where, params = filter_sql(ctx, ORDERS_TABLE, filters)
    slots = identifiers(ctx, ORDERS_TABLE, customer="customer_id", revenue="revenue")
    frame, evidence = run_declared(
        ctx,
        RFM_SQL,
        slots | {"filters": where},
        {"since": window.start, "as_of": window.end, **params},
        f"RFM per customer, orders {window.describe()}{where_text(filters)}",
    )
    frame = frame.astype({"customer_id": str, "recency_days": "int64", "frequency": "int64"})
    frame["monetary"] = frame["monetary"].astype(float)
    return frame, evidence


def ordered_before(ctx: AnalysisContext, window: Window) -> tuple[set[str], list[Evidence]]:
    """Customers with an order before the window: in the orders read, or by the customer
    entity's first-order date when semantic.yml declares one."""
    slots = identifiers(ctx, ORDERS_TABLE, customer="customer_id")
    params = {"since": window.start}
    frame, evidence = run_declared(
        ctx, ORDERED_BEFORE_SQL, slots, params, "customers with an order before the window"
    )
    seen, evidences = set(frame["customer_id"].astype(str)), [evidence]
    entity = ctx.layer.entities.get("customer")
    if entity is not None and entity.columns is not None:
        names = {
            "key": quote(entity.key),
            "customers": quote_relation(entity.table),
            "first_order": quote(entity.columns.first_order),
        }
        frame, evidence = run_declared(
            ctx, FIRST_ORDER_SQL, names, params, "customers whose first order is before the window"
        )
        seen |= set(frame["customer_id"].astype(str))
        evidences.append(evidence)
    return seen, evidences


# The campaign table's columns that hold dollars (agent.churn.audience names them).
_AUDIENCE_MONEY = frozenset({"their spend, last year", "expected value, next 12 months"})


def segment(goal: Goal, ctx: AnalysisContext) -> tuple[Finding, ...]:
    """Customers scored on recency, frequency and spend, grouped into named segments."""
    filters = dict(goal.filters)
    for dimension in filters:
        require_dimension(ctx, VALUE_METRIC, dimension)
    window = rfm_window(ctx, goal)
    if window is None:
        empty = goal.window or Window(start=ctx.today - timedelta(days=1), end=ctx.today)
        headline = total(ctx, VALUE_METRIC, empty, filters)
        return (no_data_finding(ctx, VALUE_METRIC, empty, headline.evidence),)
    frame, rfm_evidence = rfm_frame(ctx, window, filters)
    # "New" only for a first order inside the window (rfm.py).
    before, before_evidence = ordered_before(ctx, window)
    frame["ordered_before"] = frame["customer_id"].isin(before)
    customers = total(ctx, COUNT_METRIC, window, filters)
    revenue = total(ctx, VALUE_METRIC, window, filters)
    if frame.empty:
        return (no_data_finding(ctx, VALUE_METRIC, window, customers.evidence),)
    scored = score_customers(frame)
    check = cluster_check(scored)
    stable = stability(scored)
    summary_frame = segment_summary(scored)
    csv_path = write_csv(scored, ctx.out_dir, window.end)
    # "for tomorrow's email campaign": lists to send to, after exclusions, with a holdout.
    campaign = campaign_for(goal, ctx, scored)
    segments = tuple(
        {
            "segment": row.segment,
            "customers": int(row.customers),
            "share": float(row.share),
            "revenue": float(row.revenue),
            "revenue_share": float(row.revenue_share),
            "avg_recency_days": float(row.avg_recency_days),
            "avg_frequency": float(row.avg_frequency),
            "avg_monetary": float(row.avg_monetary),
            "action": ACTIONS[str(row.segment)],
        }
        for row in summary_frame.itertuples(index=False)
    )
    summary = _summary(scored, summary_frame, window, filters, stable)
    money = ctx.layer.metric(VALUE_METRIC).format
    # Headers a marketer reads; the rows keep exact numbers and each column says how it reads
    # (domain.Table.formats), so Slack, the terminal and the CSV agree.
    table = Table(
        columns=(
            "segment",
            "customers",
            "share of customers",
            "revenue",
            "share of revenue",
            "days since last order",
            "orders each",
            "spend each",
            "action",
        ),
        rows=tuple(
            (
                s["segment"],
                s["customers"],
                s["share"],
                s["revenue"],
                s["revenue_share"],
                round(s["avg_recency_days"]),
                round(s["avg_frequency"], 1),
                s["avg_monetary"],
                s["action"],
            )
            for s in segments
        ),
        formats=("", "integer", "share", money, "share", "integer", "number", money, ""),
    )
    attachments = {"segments_csv": str(csv_path)}
    if campaign is not None:
        summary += " " + " ".join(campaign.plan.sentences())
        table = Table(
            columns=AUDIENCE_COLUMNS,
            rows=tuple(campaign.plan.to_rows()),
            formats=tuple(money if c in _AUDIENCE_MONEY else "" for c in AUDIENCE_COLUMNS),
        )
        attachments["campaign_csv"] = str(campaign.path)
    return (
        Finding(
            kind=FindingKind.SEGMENT,
            title=f"Customer segments (RFM){where_text(filters)}, as of {window.end:%b %-d, %Y}",
            summary=summary,
            facts={
                "customers": len(scored),
                "customers_metric": customers.value,
                "revenue": float(scored["monetary"].sum()),
                "revenue_metric": revenue.value,
                "as_of": window.end,
                "since": window.start,
                "segments": len(summary_frame),
                "kmeans_k": check.k,
                "kmeans_adjusted_rand": check.adjusted_rand,
                "kmeans_agreement": agreement_word(check.adjusted_rand),
                "segment_stability": stable,
                **(campaign.facts() if campaign is not None else {}),
            },
            table=table,
            segments=segments,
            evidence=(rfm_evidence, *before_evidence, customers.evidence, revenue.evidence),
            confidence=0.9,
            chart=ChartSpec(
                kind="barh",
                title="Customers per RFM segment",
                subtitle=f"{len(scored):,} customers, orders {window.describe()}",
                series=(
                    Series(
                        name="Customers",
                        x=tuple(s["segment"] for s in segments),
                        y=tuple(float(s["customers"]) for s in segments),
                    ),
                ),
                unit="customers",
            ),
            attachments=attachments,
        ),
    )


def segment_summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Per segment: size, share of customers, revenue and its share, average R, F and M."""
    grouped = scored.groupby("segment", observed=True).agg(
        customers=("customer_id", "size"),
        revenue=("monetary", "sum"),
        avg_recency_days=("recency_days", "mean"),
        avg_frequency=("frequency", "mean"),
        avg_monetary=("monetary", "mean"),
    )
    grouped["share"] = grouped["customers"] / len(scored)
    all_revenue = float(scored["monetary"].sum())
    grouped["revenue_share"] = grouped["revenue"] / all_revenue if all_revenue else 0.0
    order = [s for s in SEGMENT_ORDER if s in grouped.index]
    return grouped.loc[order].reset_index()


def write_csv(scored: pd.DataFrame, out_dir: Path | None, as_of: date) -> Path:
    """Every scored customer once, best segment first, for the campaign team."""
    folder = out_dir if out_dir is not None else Path(tempfile.mkdtemp(prefix="scout-segments-"))
    folder.mkdir(parents=True, exist_ok=True)
    rank = {name: i for i, name in enumerate(SEGMENT_ORDER)}
    ordered = scored.assign(_rank=scored["segment"].map(rank)).sort_values(
        ["_rank", "customer_id"], kind="stable"
    )
    path = folder / f"segments-{as_of.isoformat()}.csv"
    ordered.loc[:, list(CSV_COLUMNS)].to_csv(path, index=False, float_format="%.2f")
    return path


def _summary(
    scored: pd.DataFrame,
    summary: pd.DataFrame,
    window: Window,
    filters: dict[str, str],
    stable: float,
) -> str:
    by_name = summary.set_index("segment")
    parts = []
    for name in ("Champions", "Loyal"):
        if name in by_name.index:
            row = by_name.loc[name]
            parts.append(
                f"{name} are {row['share'] * 100:.0f}% of customers and "
                f"{row['revenue_share'] * 100:.0f}% of revenue"
            )
    risk = by_name.loc[[n for n in ("At risk", "Can't lose them") if n in by_name.index]]
    text = (
        f"I scored {len(scored):,} customers{where_text(filters)} who ordered in "
        f"{window.describe()} on recency, frequency and spend into {len(summary)} segments."
    )
    if parts:
        text += " " + "; ".join(parts) + "."
    if not risk.empty:
        # "Valuable customers slipping away" overclaims when most of them bought once: how
        # many did is said, from the scores themselves.
        members = scored[scored["segment"].isin(list(risk.index))]
        once = int((members["frequency"] == 1).sum())
        text += (
            f" {int(risk['customers'].sum()):,} customers who spent well but have not ordered "
            f"lately (At risk / Can't lose them, ${risk['revenue'].sum():,.0f} of past revenue"
            f"{f'; {once:,} of them ordered only once' if once else ''}): the win-back targets."
        )
    if stable == stable:
        word = "Stable" if stable >= 0.9 else "Fairly stable" if stable >= 0.75 else "Unstable"
        text += (
            f" {word}: {stable:.0%} of customers kept their segment when re-scored on a "
            "random 90% of them."
        )
    return text
