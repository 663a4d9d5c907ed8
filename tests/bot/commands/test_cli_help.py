"""`scout --help` lists every command without importing any; the table matches the modules."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from bot.commands import COMMAND_MODULES, COMMANDS


def test_the_command_table_matches_what_the_modules_register() -> None:
    registered: dict[str, tuple[str, str]] = {}
    for module in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"bot.commands.{module}").register(sub)
        helps = {a.dest: a.help or "" for a in sub._choices_actions}
        registered |= {name: (module, helps[name]) for name in sub.choices}
    assert registered == COMMANDS


def test_help_imports_no_command_and_parse_not_the_warehouse() -> None:
    code = (
        "import sys; from bot.cli import build_parser; build_parser(['--help']);"
        "print(sorted(m for m in sys.modules if m.startswith(('bot.commands.', 'pandas'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    code = (
        "import sys; from bot.cli import main; main(['parse', 'revenue last week', '--json']);"
        "print([m for m in ('pandas', 'duckdb', 'sqlalchemy', 'scipy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_parse_and_settings_import_no_sending_or_data_library() -> None:
    # `scout parse` must start fast; scout.yml's settings are read at every start, so they
    # must not pull in the HTTP and SMTP clients that only sending needs.
    heavy = ("httpx", "aiosmtplib", "pandas", "duckdb")
    code = (
        "import sys; from bot.cli import main;"
        "main(['parse', 'how are we doing in the West?', '--today', '2025-12-15', '--json']);"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert '"intent": "digest"' in out.stdout  # it did parse, so the imports were exercised
    assert lines[-1] == "[]"
    code = (
        "import sys; from agent.config import ScoutConfig;"
        "ScoutConfig.model_validate({'integrations': {'webhooks': {'alert': 'https://x.test/h'},"
        " 'email': {'smtp_url': 'smtps://mail.test:465', 'from': 'Shop <hi@shop.test>'}}});"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_settings_models_keep_their_old_import_paths() -> None:
    from agent.act.email import EmailSection as FromEmail
    from agent.act.integration_settings import EmailSection, IntegrationsSection
    from agent.act.webhooks import IntegrationsSection as FromWebhooks
    from agent.config import REPO_ROOT
    from agent.paths import REPO_ROOT as ROOT

    assert FromEmail is EmailSection and FromWebhooks is IntegrationsSection
    assert REPO_ROOT == ROOT and (ROOT / "semantic.yml").exists()
