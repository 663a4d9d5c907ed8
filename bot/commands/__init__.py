"""`scout` subcommands, one module each. A module exposes `register(subparsers)`, which adds
its parser(s) and sets `func=run` where `run(args) -> int` is the exit code.

`COMMANDS` names each subcommand's module and one-line help, so `scout --help` lists them
all and `scout NAME` imports only NAME's module: the agent's imports (pandas, scipy, the
warehouse) take seconds, and a command that does not need them should not wait for them.
A test checks this table against what the modules register.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "metrics": ("metrics", "list the metrics Scout knows (from semantic.yml)"),
    "query": ("query", "compute one metric (default: the last 7 complete days)"),
    "serve": ("serve", "run Scout in Slack (Socket Mode, or HTTP with --http)"),
    "approvals": ("approvals", "list actions waiting for approval"),
    "approve": ("approvals", "approve a pending action (it then executes once)"),
    "reject": ("approvals", "reject a pending action"),
    "pause": ("approvals", "stop all outbound effects (kill switch)"),
    "resume": ("approvals", "allow outbound effects again"),
    "outbox": ("approvals", "show what Scout sent or would have sent"),
    "parse": ("parse", "show the Goal Scout understands from a message"),
    "demo-data": ("demo_data", "generate the demo warehouse (DuckDB) with injected scenarios"),
    "ask": ("ask", "ask a question; print the answer with its evidence"),
    "explain": ("explain", "why did a metric move? root causes from a CSV"),
    "detect": ("detect", "score every row of a time series for anomalies"),
    "chat": ("chat", "talk to Scout in the terminal (reads stdin)"),
    "run": ("run", "run the monitor cycle (once)"),
    "digest": ("digest", "print the morning digest (weekly summary on Mondays)"),
    "churn": ("churn", "customers at risk of churning, or one customer's risk"),
    "sequences": ("sequences", "win-back sequences: steps, statuses; --run sends due ones"),
}

COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))
