"""The demo warehouse: a realistic e-commerce store with injected, recorded scenarios.

`generate(out=..., seed=..., today=...)` writes out/warehouse.duckdb and out/scenarios.json;
the same seed always gives the same data. Table shapes follow semantic.yml.
"""

from __future__ import annotations

from agent.demo_data.generate import GeneratedWarehouse, generate
from agent.demo_data.scenarios import SCENARIO_KINDS, Scenario, load_scenarios

__all__ = ["SCENARIO_KINDS", "GeneratedWarehouse", "Scenario", "generate", "load_scenarios"]
