"""`scout` subcommands, one module each. A module exposes `register(subparsers)`, which adds
its parser and sets `func=run` where `run(args) -> int` is the exit code."""

COMMAND_MODULES: tuple[str, ...] = (
    "metrics",
    "query",
    "serve",
    "approvals",
    "parse",
    "demo_data",
    "ask",
    "explain",
    "detect",
    "chat",
    "run",
    "digest",
    "churn",
)
