"""The `funnels:` section of semantic.yml: ordered steps on one table, each a count measure.

    funnels:
      purchase:
        label: Purchase funnel
        table: sessions
        steps:
          - {measure: sessions, label: session}
          - {measure: carts, label: add to cart}

Validated like the rest of the file: every problem is collected with its location.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.semantic.model import FunnelDef, FunnelStep, TableDef

# A step counts who reached it, so it must add up over segments and periods.
STEP_AGGS = ("sum", "count")


def parse_funnels(
    raw: Any, tables: dict[str, TableDef], problem: Callable[[str, str], None]
) -> dict[str, FunnelDef]:
    """Funnels from the section's mapping; `problem(where, message)` records each mistake."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problem("funnels", "expected a mapping of funnel name to its steps")
        return {}
    out: dict[str, FunnelDef] = {}
    for name, body in raw.items():
        where = f"funnels.{name}"
        if not isinstance(body, dict):
            problem(where, "expected a mapping with table and steps")
            continue
        for key in body:
            if key not in ("label", "table", "steps", "description"):
                problem(f"{where}.{key}", "unknown key (expected label, table, steps)")
        table = tables.get(str(body.get("table", "")))
        if table is None:
            problem(f"{where}.table", f"unknown table '{body.get('table')}'")
            continue
        steps = _steps(body.get("steps"), table, f"{where}.steps", problem)
        if len(steps) >= 2:
            label = str(body.get("label") or name)
            out[str(name)] = FunnelDef(name=str(name), label=label, table=table.name, steps=steps)
    return out


def _steps(
    raw: Any, table: TableDef, where: str, problem: Callable[[str, str], None]
) -> tuple[FunnelStep, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        problem(where, "expected a list of at least two steps")
        return ()
    steps: list[FunnelStep] = []
    for i, item in enumerate(raw):
        data = item if isinstance(item, dict) else {"measure": item}
        name = str(data.get("measure", ""))
        measure = table.measures.get(name)
        if measure is None:
            problem(f"{where}[{i}]", f"unknown measure '{name}' of table '{table.name}'")
            continue
        if measure.agg not in STEP_AGGS:
            problem(f"{where}[{i}]", f"'{name}' is a {measure.agg}; a step must be a sum or count")
            continue
        if any(step.measure.name == name for step in steps):
            problem(f"{where}[{i}]", f"'{name}' is listed twice")
            continue
        steps.append(FunnelStep(measure=measure, label=str(data.get("label") or name)))
    return tuple(steps) if len(steps) == len(raw) else ()
