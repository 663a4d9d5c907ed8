"""One base error, split by audience.

`UserError` carries a message a person in Slack or a terminal understands and can act on
(an unknown metric, a bad date, a semantic.yml mistake). Anything else deriving from
`ScoutError` is internal: it is logged with its context and answered politely.
"""

from __future__ import annotations

from collections.abc import Sequence


class ScoutError(Exception):
    """Base of every error Scout raises on purpose."""


class UserError(ScoutError):
    """A mistake the user can fix; `str(error)` is shown to them as is."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    @property
    def friendly(self) -> str:
        return f"{self}\n{self.hint}".strip()


class ConfigError(UserError):
    """Configuration that cannot work; collects every problem, not just the first."""

    def __init__(self, problems: Sequence[str], *, source: str = "configuration") -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} has {len(self.problems)} problem(s):\n{lines}")


class UnknownMetricError(UserError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(
            f"I don't know a metric called '{name}'.",
            hint="Metrics I know: " + ", ".join(sorted(known)),
        )
        self.name = name


class WarehouseError(ScoutError):
    """The warehouse failed or is unreachable (internal; users get a polite message)."""


class WarehouseUnavailable(WarehouseError):
    pass


class QueryTimeout(WarehouseError):
    pass


class LLMError(ScoutError):
    """The optional LLM answered nothing usable; callers fall back to rules."""


class PlanError(ScoutError):
    """A plan that cannot run: a dependency cycle or a missing dependency, named."""


class ActionError(ScoutError):
    """An action failed to execute."""


class TransientActionError(ActionError):
    """Worth retrying with backoff (timeouts, 5xx, rate limits)."""


class PermanentActionError(ActionError):
    """Not worth retrying (4xx, invalid target)."""
