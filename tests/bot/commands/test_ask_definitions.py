"""`scout ask "how is conversion rate computed?"`: a question about a metric's definition is
answered with that definition, read from semantic.yml (the expressions the SQL is built from),
from the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent.demo_data import GeneratedWarehouse
from agent.paths import REPO_ROOT
from bot.cli import main


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("how is conversion rate computed here?", "conversion_rate"),
        ("is revenue net of refunds?", "revenue"),
        ("how do you work out the return rate?", "return_rate"),
    ],
)
def test_a_definition_question_gets_the_definition(
    capsys: pytest.CaptureFixture[str],
    demo_warehouse: GeneratedWarehouse,
    tmp_path: Path,
    text: str,
    metric: str,
) -> None:
    argv = ["ask", text, "--json", "--today", "2025-12-15", "--warehouse", str(demo_warehouse.path)]
    argv += ["--memory", str(tmp_path / "m.sqlite3")]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["goal"]["intent"] == "help"
    summary = " ".join(f["summary"] for f in answer["findings"])
    layer = yaml.safe_load((REPO_ROOT / "semantic.yml").read_text())
    spec = layer["metrics"][metric]
    assert summary.startswith(spec["label"] + ":")
    # Every expression the metric is built from is quoted as semantic.yml writes it.
    refs = [spec.get(k) for k in ("measure", "numerator", "denominator") if spec.get(k)]
    for ref in refs:
        table, measure = ref.split(".")
        assert f"`{layer['tables'][table]['measures'][measure]['expr']}`" in summary or (
            layer["tables"][table]["measures"][measure]["expr"] == "*"
            and "the number of rows" in summary
        ), summary
    if spec.get("expr"):
        assert f"`{spec['expr']}`" in summary
    assert "It can be split by" in summary


def test_a_plain_help_request_gets_no_definition(
    capsys: pytest.CaptureFixture[str], demo_warehouse: GeneratedWarehouse, tmp_path: Path
) -> None:
    argv = ["ask", "what can you do?", "--json", "--today", "2025-12-15"]
    argv += ["--warehouse", str(demo_warehouse.path), "--memory", str(tmp_path / "m.sqlite3")]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["findings"][0]["summary"].startswith("Here is what I can do.")
