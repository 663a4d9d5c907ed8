"""sqlite-dialect SQL rewritten for PostgreSQL: each rule, and literals left alone."""

from __future__ import annotations

import pytest

from agent.db.translate import IDENTITY, UnsupportedSQL, to_postgres


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("PRAGMA journal_mode = WAL", None),
        (
            "INSERT OR IGNORE INTO digests(key, owner) VALUES (?, ?)",
            "INSERT INTO digests(key, owner) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        ),
        (
            "UPDATE w SET s = MAX(0, w.s + excluded.s), m = MIN(a, MIN(b, c)), n = MAX(x)",
            "UPDATE w SET s = GREATEST(0, w.s + excluded.s), m = LEAST(a, LEAST(b, c)), n = MAX(x)",
        ),
        (
            "SELECT SUM(grp = 'treated' AND r = 1), SUM(amount) FROM t",
            "SELECT SUM(CASE WHEN grp = 'treated' AND r = 1 THEN 1 ELSE 0 END), SUM(amount) FROM t",
        ),
        (
            "SELECT * FROM (SELECT * FROM a ORDER BY id DESC LIMIT ?) ORDER BY id",
            "SELECT * FROM (SELECT * FROM a ORDER BY id DESC LIMIT %s) AS _derived0 ORDER BY id",
        ),
        ("SELECT x FROM (SELECT 1 AS x) AS q", "SELECT x FROM (SELECT 1 AS x) AS q"),
        ("SELECT 1 FROM f WHERE user = ?", 'SELECT 1 FROM f WHERE "user" = %s'),
        # Literals are data: no rule touches them, and % is escaped for psycopg.
        (
            "SELECT 'user = ? MAX(1, 2)', '50%' FROM t WHERE a LIKE 'x%'",
            "SELECT 'user = ? MAX(1, 2)', '50%%' FROM t WHERE a LIKE 'x%%'",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT, v REAL)",
            f'CREATE TABLE t (id {IDENTITY} PRIMARY KEY, text TEXT COLLATE "C", v DOUBLE PRECISION)',
        ),
        (
            "CREATE TABLE k (key TEXT PRIMARY KEY, n INTEGER NOT NULL)",
            f'CREATE TABLE k (key TEXT COLLATE "C" PRIMARY KEY, n BIGINT NOT NULL, rowid {IDENTITY})',
        ),
    ],
)
def test_rewrites(sqlite: str, postgres: str | None) -> None:
    assert to_postgres(sqlite) == postgres


def test_insert_or_replace_is_refused_with_the_portable_spelling() -> None:
    with pytest.raises(UnsupportedSQL, match="ON CONFLICT"):
        to_postgres("INSERT OR REPLACE INTO t(a) VALUES (?)")
