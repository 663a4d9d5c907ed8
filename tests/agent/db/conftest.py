"""The database layer's tests use a PostgreSQL database of their own per test."""

from tests.fakes.postgres import postgres_database  # noqa: F401  (fixture)
