"""scout.yml: where the data is, who may approve, when to post, and the business rules.

Secrets never live here (they come from the environment). Every section has safe defaults,
so an empty file is a valid configuration; a wrong value fails at start-up with the path of
the setting and what to write instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.act.integration_settings import IntegrationsSection
from agent.act.rules import ApprovalSettings, GuardrailSettings
from agent.churn.rules import ChurnRules
from agent.db import postgres_url
from agent.errors import ConfigError
from agent.llm.settings import LLMSection
from agent.paths import REPO_ROOT as REPO_ROOT  # re-exported: older imports
from agent.plan.rules import PlanningConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlackSection(_Section):
    """`slack:` where Scout posts and who may approve risky actions (ids, not names)."""

    digest_channel: str | None = Field(
        default=None,
        pattern=r"^[CG][A-Z0-9]{2,}$",
        description="channel id for the 09:00 digest and weekly summary, e.g. C0123456789",
    )
    alerts_channel: str | None = Field(
        default=None,
        pattern=r"^[CG][A-Z0-9]{2,}$",
        description="channel id where KPI alerts are posted",
    )
    approvers: tuple[Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,}$")], ...] = Field(
        default=(), description="Slack user ids allowed to approve, e.g. [U0123ABCD]"
    )
    approver_group: str | None = Field(
        default=None,
        pattern=r"^S[A-Z0-9]{2,}$",
        description="a Slack user-group id (S...) whose members may approve",
    )
    max_concurrent_analyses: int = Field(
        default=4, ge=1, le=64, description="questions one replica analyses at once; more wait"
    )


class ScheduleSection(_Section):
    """`schedule:` when the monitor runs and when the digest and weekly summary are posted."""

    monitor_every_minutes: int = Field(default=60, ge=1, le=1440)
    digest_time: str = Field(
        default="09:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, 24h"
    )
    weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"


class ScoutConfig(_Section):
    """The whole of scout.yml. Sections are added by the parts of Scout that read them."""

    warehouse: str | None = Field(
        default=None,
        description="DuckDB path, SQLAlchemy URL or sc://host:port (Spark Connect); default: the demo warehouse",
    )
    semantic: str | None = Field(default=None, description="path to semantic.yml")
    memory: str | None = Field(
        default=None,
        description="path to Scout's sqlite memory, or a PostgreSQL URL "
        "(postgresql://user@host/db) that several replicas share",
    )
    timezone: str = "UTC"
    slack: SlackSection = Field(default_factory=SlackSection)
    schedule: ScheduleSection = Field(default_factory=ScheduleSection)
    planning: PlanningConfig = Field(default_factory=PlanningConfig)
    memory_retention_days: int = Field(
        default=90, ge=1, description="memory rows older than this are pruned"
    )
    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    churn: ChurnRules = Field(default_factory=ChurnRules)
    llm: LLMSection = Field(default_factory=LLMSection)
    integrations: IntegrationsSection = Field(default_factory=IntegrationsSection)

    @field_validator("memory")
    @classmethod
    def _memory_is_a_path_or_postgres(cls, value: str | None) -> str | None:
        # Any other URL would quietly become a sqlite file named "mysql:/…" in the cwd.
        if value is None or postgres_url(value) is not None:
            return value
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
        if not value.strip() or scheme:
            # Only the scheme is echoed: the rest of a URL may carry a password.
            given = f"a {scheme.group(1)}:// URL" if scheme else "an empty value"
            raise ValueError(
                f"{given} is neither a file path nor a PostgreSQL URL; write the sqlite file's "
                "path (e.g. /var/lib/scout/memory.sqlite3) or postgresql://user@host/db "
                "(postgresql+psycopg:// works too)"
            )
        return value


def data_dir() -> Path:
    """Per-user data directory (demo warehouse, memory); SCOUT_HOME overrides it."""
    override = os.environ.get("SCOUT_HOME")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scout"


def load_config(path: str | Path | None = None) -> ScoutConfig:
    """Read scout.yml (SCOUT_CONFIG, or ./scout.yml if present); defaults when absent."""
    candidate = path or os.environ.get("SCOUT_CONFIG")
    if candidate is None and Path("scout.yml").exists():
        candidate = "scout.yml"
    if candidate is None:
        return ScoutConfig()
    file = Path(candidate)
    try:
        raw: Any = yaml.safe_load(file.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError([f"{file}: file not found"], source="scout.yml") from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{file}: not valid YAML ({error})"], source="scout.yml") from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{file}: expected a mapping at the top"], source="scout.yml")
    try:
        return ScoutConfig.model_validate(raw)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        ]
        raise ConfigError(problems, source=str(file)) from None


def channel_aliases(
    config: ScoutConfig, *, digest_channel: str | None = None, alerts_channel: str | None = None
) -> dict[str, str]:
    """The planning targets (#kpi-alerts, #kpi-digest) → the configured Slack channel ids.

    Rules and proposals name channels logically; Slack needs ids (a message posted to a name
    cannot be updated later). Explicit ids override the ones in `slack:`.
    """
    slack = config.slack
    ids = (
        ("alert", alerts_channel or slack.alerts_channel),
        ("report", digest_channel or slack.digest_channel),
    )
    aliases: dict[str, str] = {}
    for kind, channel in ids:
        name = config.planning.targets.get(kind, "").strip().removeprefix("#")
        if name and channel:
            aliases[name] = channel
    return aliases
