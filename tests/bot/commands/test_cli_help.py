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
