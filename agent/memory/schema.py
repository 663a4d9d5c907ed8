"""Memory's schema as numbered migrations, applied once, in order, under a write lock.

Several components share the sqlite file (memory, act). Each records its own version in
`schema_versions` under its component key, creates only its own tables, and never drops
anyone else's. Migrations are lists of single statements (never `executescript`, which
would commit the surrounding transaction behind our back).
"""

from __future__ import annotations

from agent.db import Database
from agent.migrations import migrate as migrate_component

COMPONENT = "memory"

# Timestamps are UTC ISO-8601 text of fixed width, so text order is time order.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the initial schema
    (
        """CREATE TABLE IF NOT EXISTS observations (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, source TEXT NOT NULL,
            confidence REAL NOT NULL, error TEXT, cycle TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL, context TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS observations_at ON observations(at)",
        "CREATE INDEX IF NOT EXISTS observations_source ON observations(source, at)",
        """CREATE TABLE IF NOT EXISTS findings (
            id INTEGER PRIMARY KEY, thread_key TEXT NOT NULL, kind TEXT NOT NULL,
            title TEXT NOT NULL, summary TEXT NOT NULL, goal TEXT NOT NULL,
            finding TEXT NOT NULL, created TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS findings_thread ON findings(thread_key, id)",
        "CREATE INDEX IF NOT EXISTS findings_created ON findings(created)",
        """CREATE TABLE IF NOT EXISTS threads (
            thread_key TEXT PRIMARY KEY, goal TEXT NOT NULL,
            finding_ids TEXT NOT NULL, updated TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS threads_updated ON threads(updated)",
        """CREATE TABLE IF NOT EXISTS planned_actions (
            id TEXT NOT NULL, action_key TEXT PRIMARY KEY, kind TEXT NOT NULL,
            situation TEXT NOT NULL, cycle TEXT NOT NULL, priority REAL NOT NULL,
            depends_on TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, updated TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS planned_status ON planned_actions(status, updated)",
        """CREATE TABLE IF NOT EXISTS outcomes (
            action_key TEXT PRIMARY KEY, kind TEXT NOT NULL, situation TEXT NOT NULL,
            success INTEGER NOT NULL, value REAL, effectiveness REAL NOT NULL,
            recorded_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS outcomes_kind ON outcomes(kind, recorded_at)",
        """CREATE TABLE IF NOT EXISTS weights (
            kind TEXT NOT NULL, situation TEXT NOT NULL, successes REAL NOT NULL,
            failures REAL NOT NULL, updated TEXT NOT NULL,
            PRIMARY KEY (kind, situation))""",
        """CREATE TABLE IF NOT EXISTS patterns (
            id INTEGER PRIMARY KEY, metric TEXT NOT NULL, direction TEXT NOT NULL,
            where_json TEXT NOT NULL, cause TEXT NOT NULL, summary TEXT NOT NULL,
            thread_key TEXT NOT NULL, created TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS patterns_lookup ON patterns(metric, direction, created)",
        """CREATE TABLE IF NOT EXISTS alert_fingerprints (
            fingerprint TEXT PRIMARY KEY, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
            count INTEGER NOT NULL, ref TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS alert_last_seen ON alert_fingerprints(last_seen)",
        """CREATE TABLE IF NOT EXISTS feedback (
            thread_key TEXT NOT NULL, finding_id INTEGER NOT NULL, user TEXT NOT NULL,
            positive INTEGER NOT NULL, kind TEXT NOT NULL, situation TEXT NOT NULL,
            at TEXT NOT NULL, PRIMARY KEY (thread_key, finding_id, user))""",
        """CREATE TABLE IF NOT EXISTS digests (
            key TEXT PRIMARY KEY, claimed_at TEXT NOT NULL, owner TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL,
            actor TEXT NOT NULL, ref TEXT NOT NULL, detail TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS audit_at ON audit(at)",
    ),
    # 2: what a Slack thread needs after a restart (clarification options, feedback links)
    (
        """CREATE TABLE IF NOT EXISTS clarifications (
            thread_key TEXT PRIMARY KEY, question TEXT NOT NULL, options TEXT NOT NULL,
            created TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS clarifications_created ON clarifications(created)",
        """CREATE TABLE IF NOT EXISTS feedback_links (
            thread_key TEXT PRIMARY KEY, kind TEXT NOT NULL, situation TEXT NOT NULL,
            action_key TEXT NOT NULL, updated TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS feedback_links_updated ON feedback_links(updated)",
    ),
    # 3: retention learning from measured outcomes: who was treated or held out when an
    # action was proposed, and whether each of them ordered again (agent.churn.measure).
    # IF NOT EXISTS: memory files from before this migration may have the outcomes table.
    (
        """CREATE TABLE IF NOT EXISTS retention_assignments (
            customer_id TEXT NOT NULL, kind TEXT NOT NULL, segment TEXT NOT NULL,
            grp TEXT NOT NULL, since TEXT NOT NULL, action_key TEXT NOT NULL,
            recorded TEXT NOT NULL, PRIMARY KEY (customer_id, kind, since))""",
        "CREATE INDEX IF NOT EXISTS retention_assignments_since ON retention_assignments(since)",
        """CREATE TABLE IF NOT EXISTS retention_outcomes (
            customer_id TEXT NOT NULL, kind TEXT NOT NULL, segment TEXT NOT NULL,
            grp TEXT NOT NULL, since TEXT NOT NULL, reordered INTEGER NOT NULL,
            days INTEGER NOT NULL, measured_at TEXT NOT NULL,
            PRIMARY KEY (customer_id, kind, since))""",
    ),
    # 4: a scheduled post's claim is a lease (Memory.claim(lease=…)): it is done only when the
    # post is accepted, and a claim never done and older than its lease is taken over (its
    # claimer died between claiming and posting). Every claim made before this version was
    # final when it was made, so each is marked done as of its claim.
    (
        "ALTER TABLE digests ADD COLUMN done_at TEXT",
        "UPDATE digests SET done_at = claimed_at",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(db: Database) -> int:
    """Bring memory's tables to SCHEMA_VERSION; safe to run from many processes at once."""
    return await migrate_component(db, COMPONENT, MIGRATIONS)
