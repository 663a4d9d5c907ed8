"""Churn scoring on real data (../shared/data): Telco, Online Retail and CDNOW.

Online Retail and CDNOW are loaded into a temporary DuckDB file shaped like Scout's
warehouse (orders, customers, returns; empty support and session tables), and Scout's own
feature SQL, training and scoring run on it unchanged. Telco has no dates: it checks the
estimator family under the README's 5-fold protocol.

Run: .venv/bin/python -m bench.churn_real [telco retail cdnow] [--limit N]
(all three by default; `--limit` keeps N customers of each data set, for a quick check).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from agent.churn.features import customer_features
from agent.churn.model import single_thread, train
from agent.churn.rules import ChurnRules
from agent.warehouse import DuckDBWarehouse


def shared_data() -> Path:
    """../shared/data next to the repo, or SCOUT_SHARED_DATA."""
    override = os.environ.get("SCOUT_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def precision_at(y: np.ndarray, score: np.ndarray, share: float = 0.05) -> float:
    """Churn rate among the top `share` by score."""
    k = max(1, round(len(y) * share))
    top = np.argsort(-score, kind="mergesort")[:k]
    return float(np.mean(y[top]))


def lesson_rules(frame: pd.DataFrame) -> np.ndarray:
    """The lesson's fixed rules: +0.3 no order in 30 days, +0.2 recent orders below half
    the usual (10 when unknown), +0.15 more than three tickets in 30 days."""
    usual = frame["expected_recent"].fillna(10.0)
    return (
        0.3 * (frame["days_since_last"] > 30)
        + 0.2 * (frame["orders_recent"] < 0.5 * usual)
        + 0.15 * (frame["tickets_30"] > 3)
    ).to_numpy(dtype=float)


def rfm_rule(frame: pd.DataFrame) -> np.ndarray:
    """An RFM rule: recency quintile (older = riskier) minus frequency and monetary quintiles."""

    def quintile(s: pd.Series) -> np.ndarray:
        return np.ceil(5 * s.rank(pct=True, method="average")).to_numpy()

    return (
        2 * quintile(frame["days_since_last"])
        - quintile(frame["orders_total"])
        - quintile(frame["revenue_total"])
    )


# --------------------------------------------------------------------------- telco


def telco(limit: int | None = None) -> dict[str, float] | str:
    """5-fold stratified CV (shuffle, seed 0), TotalCharges blanks = 0, as the README."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    path = shared_data() / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv.gz"
    if not path.is_file():
        return f"skipped: {path} not found"
    df = pd.read_csv(path)
    if limit is not None:
        # A seeded sample rather than the head, so both classes are there for the folds.
        df = df.sample(n=min(limit, len(df)), random_state=0).reset_index(drop=True)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].str.strip().replace("", "0"))
    y = (df["Churn"] == "Yes").to_numpy(dtype=int)
    raw = df.drop(columns=["customerID", "Churn"])
    numeric = ["tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen"]
    onehot = pd.get_dummies(raw, columns=[c for c in raw if c not in numeric], dtype=float)
    x_base = onehot.to_numpy(dtype=float)
    services = [
        "PhoneService", "MultipleLines", "OnlineSecurity", "OnlineBackup",
        "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies",
    ]  # fmt: skip
    ours = onehot.assign(
        avg_charge=onehot["TotalCharges"] / onehot["tenure"].clip(lower=1),
        services=(raw[services] == "Yes").sum(axis=1),
        log_tenure=np.log1p(raw["tenure"]),
    )
    ours["charge_delta"] = ours["MonthlyCharges"] - ours["avg_charge"]
    x_ours = ours.to_numpy(dtype=float)

    def logistic(xt: np.ndarray, yt: np.ndarray, xe: np.ndarray) -> np.ndarray:
        scaler = StandardScaler().fit(xt)
        model = LogisticRegression(max_iter=2000).fit(scaler.transform(xt), yt)
        return model.predict_proba(scaler.transform(xe))[:, 1]

    def boosting(xt: np.ndarray, yt: np.ndarray, xe: np.ndarray) -> np.ndarray:
        model = HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=200, max_depth=3, random_state=0
        ).fit(xt, yt)
        return model.predict_proba(xe)[:, 1]

    def scout(xt: np.ndarray, yt: np.ndarray, xe: np.ndarray) -> np.ndarray:
        # Shallow, regularised boosting averaged with the linear model: each catches
        # what the other smooths over, which a single model on 7k rows does not.
        model = HistGradientBoostingClassifier(
            learning_rate=0.02,
            max_iter=500,
            max_depth=2,
            min_samples_leaf=60,
            l2_regularization=2.0,
            random_state=7,
        ).fit(xt, yt)
        return 0.5 * model.predict_proba(xe)[:, 1] + 0.5 * logistic(xt, yt, xe)

    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(x_base, y))

    def cv(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], x: np.ndarray) -> float:
        with single_thread():
            return float(
                np.mean([roc_auc_score(y[te], fn(x[tr], y[tr], x[te])) for tr, te in folds])
            )

    return {
        "logistic regression (README protocol)": cv(logistic, x_base),
        "gradient boosting (README protocol)": cv(boosting, x_base),
        "Scout (boosting + logistic, 4 derived features)": cv(scout, x_ours),
    }


# --------------------------------------------------------------------------- warehouses


def _empty_side_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE support_tickets (customer_id VARCHAR, created_date DATE, resolved BOOLEAN, "
        "resolved_date DATE, satisfaction INTEGER)"
    )
    con.execute("CREATE TABLE sessions (customer_id VARCHAR, session_date DATE)")


def retail_warehouse(folder: Path, limit: int | None = None) -> Path | None:
    """Online Retail I + II (overlap dropped) as orders / customers / returns."""
    base = shared_data() / "online_retail"
    one, two = base / "online_retail_2010_2011.csv.gz", base / "online_retail_ii_2009_2010.csv.gz"
    if not (one.is_file() and two.is_file()):
        return None
    path = folder / "retail.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        f"""CREATE TABLE lines AS
        SELECT CAST(InvoiceNo AS VARCHAR) AS invoice, CAST(CustomerID AS VARCHAR) AS customer_id,
               CAST(InvoiceDate AS TIMESTAMP) AS ts, Quantity * UnitPrice AS amount
        FROM read_csv_auto('{one}') WHERE CustomerID IS NOT NULL
        UNION ALL
        SELECT CAST(Invoice AS VARCHAR), CAST("Customer ID" AS VARCHAR),
               CAST(InvoiceDate AS TIMESTAMP), Quantity * Price
        FROM read_csv_auto('{two}')
        WHERE "Customer ID" IS NOT NULL AND InvoiceDate < TIMESTAMP '2010-12-01'"""
    )
    if limit is not None:
        # Hashed, not the lowest ids: those are the oldest accounts, not a fair sample.
        con.execute(
            """DELETE FROM lines WHERE customer_id NOT IN (
                SELECT customer_id FROM (SELECT DISTINCT customer_id FROM lines)
                ORDER BY hash(customer_id) LIMIT $limit)""",
            {"limit": limit},
        )
    con.execute(
        """CREATE TABLE orders AS SELECT invoice AS order_id, customer_id,
               CAST(MIN(ts) AS DATE) AS order_date, SUM(amount) AS revenue
           FROM lines WHERE NOT starts_with(invoice, 'C') GROUP BY invoice, customer_id"""
    )
    con.execute(
        """CREATE TABLE returns AS SELECT customer_id, CAST(MIN(ts) AS DATE) AS return_date,
               -SUM(amount) AS refund_amount
           FROM lines WHERE starts_with(invoice, 'C') GROUP BY invoice, customer_id"""
    )
    con.execute(
        "CREATE TABLE customers AS SELECT customer_id, MIN(order_date) AS first_order_date "
        "FROM orders GROUP BY customer_id"
    )
    _empty_side_tables(con)
    con.close()
    return path


def cdnow_warehouse(folder: Path, limit: int | None = None) -> Path | None:
    """The CDNOW master cohort as orders / customers (no returns, support or sessions)."""
    source = shared_data() / "cdnow" / "CDNOW_master.txt.gz"
    if not source.is_file():
        return None
    raw = pd.read_csv(source, sep=r"\s+", dtype={"customer_id": str, "date": str})
    if limit is not None:
        raw = raw[raw["customer_id"].isin(raw["customer_id"].drop_duplicates().head(limit))]
    orders = pd.DataFrame(
        {
            "customer_id": "K" + raw["customer_id"].str.zfill(5),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.date,
            "revenue": raw["dollar_value"].astype(float),
        }
    )
    path = folder / "cdnow.duckdb"
    con = duckdb.connect(str(path))
    con.register("frame", orders)
    con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    con.execute(
        "CREATE TABLE customers AS SELECT customer_id, MIN(order_date) AS first_order_date "
        "FROM orders GROUP BY customer_id"
    )
    con.execute(
        "CREATE TABLE returns (customer_id VARCHAR, return_date DATE, refund_amount DOUBLE)"
    )
    _empty_side_tables(con)
    con.close()
    return path


def score_at(
    path: Path, cutoff: date, rules: ChurnRules, label_days: int
) -> dict[str, dict[str, float]] | str:
    """Train as of `cutoff` on the warehouse's own past, score its active customers, and
    compare with the rules on 'no purchase in the `label_days` after the cut-off'."""
    warehouse = DuckDBWarehouse(path)
    try:
        started = time.perf_counter()
        model = train(warehouse, cutoff, rules)
        seconds = time.perf_counter() - started
        frame = customer_features(
            warehouse, cutoff, cutoff - timedelta(days=model.history_days), model.recent_days
        ).frame
        frame = frame[frame["active"]]
        future = warehouse.query(
            "SELECT customer_id, COUNT(*) AS n FROM orders WHERE order_date >= $a "
            "AND order_date < $b GROUP BY customer_id",
            {"a": cutoff, "b": cutoff + timedelta(days=label_days)},
        ).set_index("customer_id")["n"]
    finally:
        warehouse.close()
    y = (future.reindex(frame.index).fillna(0) == 0).to_numpy(dtype=int)
    scores = {
        f"Scout model ({model.kind}; train {seconds:.1f} s)": model.predict(frame),
        "RFM rule": rfm_rule(frame),
        "recency rule (days since last order)": frame["days_since_last"].to_numpy(dtype=float),
        "lesson's fixed rules": lesson_rules(frame),
    }
    out = {
        name: {"auc": float(roc_auc_score(y, s)), "p_at_5": precision_at(y, s)}
        for name, s in scores.items()
    }
    out["_population"] = {"customers": float(len(y)), "churn_rate": float(y.mean())}
    return out


def retail(limit: int | None = None) -> dict[str, dict[str, float]] | str:
    """Non-contractual churn: no purchase in the 90 days after 2011-09-10."""
    with tempfile.TemporaryDirectory(prefix="scout-retail-") as tmp:
        path = retail_warehouse(Path(tmp), limit)
        if path is None:
            return "skipped: online_retail files not found"
        rules = ChurnRules(horizon_days=90, snapshot_every_days=30, max_snapshots=8)
        return score_at(path, date(2011, 9, 10), rules, 90)


def cdnow(limit: int | None = None) -> dict[str, dict[str, float]] | str:
    """Calibration weeks 1–39 (to 1997-09-30), hold-out weeks 40–78: no purchase in it."""
    with tempfile.TemporaryDirectory(prefix="scout-cdnow-") as tmp:
        path = cdnow_warehouse(Path(tmp), limit)
        if path is None:
            return "skipped: cdnow files not found"
        rules = ChurnRules(horizon_days=90, snapshot_every_days=14, max_snapshots=6)
        return score_at(path, date(1997, 10, 1), rules, 273)


# --------------------------------------------------------------------------- main

SECTIONS: dict[str, Callable[[int | None], object]] = {
    "telco": telco,
    "retail": retail,
    "cdnow": cdnow,
}


def print_section(title: str, result: object) -> None:
    """One `## title` block: a note, or one line per scorer with its figures."""
    print(f"\n## {title}")
    if isinstance(result, str):
        print(result)
        return
    assert isinstance(result, dict)
    for name, value in result.items():
        if isinstance(value, dict):
            cells = ", ".join(
                f"{k} {v:,.3f}" if abs(v) < 10 else f"{k} {v:,.0f}" for k, v in value.items()
            )
            print(f"- {name}: {cells}")
        else:
            print(f"- {name}: {value:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=", ".join(SECTIONS))
    parser.add_argument("--limit", type=int, help="customers (rows for telco) per data set")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    for name in args.sections or list(SECTIONS):
        started = time.perf_counter()
        result = SECTIONS[name](args.limit)
        print_section(f"{name} ({time.perf_counter() - started:.1f} s)", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
