"""One base error, split by audience.

`UserError` carries a message a person in Slack or a terminal understands and can act on
(an unknown metric, a bad date, a semantic.yml mistake). Anything else deriving from
`ScoutError` is internal: it is logged with its context and answered politely.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal


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


MemoryTrouble = Literal["read_only", "busy", "full", "cannot_open", "unreachable"]

_MEMORY_TROUBLE: dict[MemoryTrouble, tuple[str, str]] = {
    "read_only": (
        "is read-only, so Scout cannot record anything",
        "Make the file and its folder writable by the user running Scout, "
        "or point `memory:` in scout.yml at a writable path.",
    ),
    "busy": (
        "is busy: another process held its write lock for too long",
        "Nothing was changed; try again in a moment.",
    ),
    "full": (
        "is full (the disk, or the database's size limit)",
        "Free some disk space; nothing was changed, so try again then.",
    ),
    "cannot_open": (
        "cannot be opened",
        "Check that its folder exists and is writable by the user running Scout, "
        "or point `memory:` in scout.yml at another path.",
    ),
    "unreachable": (
        "cannot be reached",
        "Check that the database server is running and accepts connections, "
        "or point `memory:` in scout.yml at another database.",
    ),
}


class MemoryUnavailable(UserError):
    """Scout's memory database refused a write: read-only, locked beyond the busy timeout,
    full, unopenable or unreachable. The message names the file (or the server) and the fix;
    nothing was half-written, because the failed transaction was rolled back. A backend whose
    fix reads differently (PostgreSQL's) passes its own `fix`."""

    def __init__(self, location: str, trouble: MemoryTrouble, *, fix: str = "") -> None:
        what, default_fix = _MEMORY_TROUBLE[trouble]
        super().__init__(f"Scout's memory ({location}) {what}.", hint=fix or default_fix)
        self.location = location
        self.trouble = trouble


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


def friendly(error: BaseException) -> str:
    """What a person is told about an error (the details go to the log)."""
    if isinstance(error, UserError):
        return error.friendly
    if isinstance(error, ModuleNotFoundError):
        return f"That analysis is not available yet ({error.name} is not installed in this build)."
    if isinstance(error, WarehouseError):
        return f"The warehouse could not answer: {error}"
    if isinstance(error, ScoutError):
        return f"I could not finish that: {error}"
    return f"Something went wrong on my side ({type(error).__name__}); the details are in the log."
