"""Every command that reads the warehouse says plainly when it cannot: no traceback, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    "command",
    [
        ["ask", "revenue yesterday"],
        ["query", "revenue"],
        ["churn", "--top", "3"],
    ],
)
def test_a_missing_warehouse_is_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    assert main([*command, "--warehouse", str(missing), "--today", "2025-12-15"]) == 2
    words = capsys.readouterr().err.split()
    err = " ".join(words)
    # The console wraps long lines, a long temp path included, so compare without whitespace.
    assert "the warehouse could not answer" in err.lower() and str(missing) in "".join(words)
    assert "Traceback" not in err and "went wrong on my side" not in err


def test_an_unreachable_server_is_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 1 on loopback: refused at once, no network leaves the machine.
    url = "postgresql+psycopg://scout@127.0.0.1:1/analytics"
    assert main(["ask", "revenue yesterday", "--warehouse", url, "--today", "2025-12-15"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "the warehouse could not answer" in err.lower()
    assert "Traceback" not in err
