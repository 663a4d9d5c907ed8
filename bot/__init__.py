"""Adapters around the core: the Slack app, the terminal, the scheduler, the CLI."""
