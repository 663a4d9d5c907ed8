"""A real, throwaway PostgreSQL server for tests (session-scoped pytest fixture).

Not a fake: initdb + pg_ctl start a private cluster in a temp dir, listening on a free port on
127.0.0.1 with its socket in the temp dir, and stop it at the end of the session. Postgres
refuses to run as root, so when tests run as root the server runs as the `postgres` OS user.
Tests that use `postgres_url` skip with the install hint when no binaries are found.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from agent.db import postgres_url as libpq_url

INSTALL_HINT = "install PostgreSQL server binaries (apt-get install postgresql) to run it"


def find_bindir() -> Path | None:
    """Where initdb/pg_ctl/postgres live: PATH, pg_config --bindir, or the Debian layout."""
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    lib = Path("/usr/lib/postgresql")
    if lib.is_dir():
        candidates += sorted((p / "bin" for p in lib.iterdir()), reverse=True)
    for directory in candidates:
        if all((directory / b).exists() for b in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One private cluster; `url` is a SQLAlchemy URL for database `scout_test`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="scout-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.run_as: str | None = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/scout_test"

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            self._cmd(*args), capture_output=True, text=True, check=False, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c timezone=UTC"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "scout_test"
        )

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL to an empty database on a private PostgreSQL server."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(f"needs a PostgreSQL server: {INSTALL_HINT}")
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _has_user("postgres")):
        pytest.skip("running as root needs the `postgres` OS user and runuser to start Postgres")
    server = PostgresServer(bindir)
    # Binaries present but the server will not start is a real failure, not a skip.
    try:
        server.start()
        yield server.url
    finally:
        server.stop()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A URL to a fresh database of this test's own on the session's server, dropped after."""
    name = "t_" + secrets.token_hex(6)
    admin = libpq_url(postgres_url)
    assert admin is not None
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where Scout's memory and act store live: a sqlite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "memory.sqlite3")
    return str(request.getfixturevalue("postgres_database"))


def query(target: str | Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Hand-written SQL (`?` placeholders) straight against the store's database: a test's
    own truth, read without Scout's code."""
    url = libpq_url(target)
    if url is None:
        import sqlite3

        with sqlite3.connect(target) as db:
            return [tuple(r) for r in db.execute(sql, tuple(params)).fetchall()]
    with psycopg.connect(url) as conn:
        return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall()]
