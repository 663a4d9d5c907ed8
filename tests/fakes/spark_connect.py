"""A real, throwaway Spark Connect server on loopback (session-scoped pytest fixture).

Not a fake: pyspark's own `sbin/start-connect-server.sh` starts a local Spark (the JVM) in
the foreground, listening on a free port on 127.0.0.1, with its warehouse, logs and pid
files in a temp dir; it is stopped at the end of the session. One server per session: the
JVM takes ~20 s and a good share of the machine to start. Tests that use `spark_url` skip
with the reason when pyspark or java is missing or the server does not come up.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.postgres import free_port

INSTALL_HINT = "pip install -e '.[spark]'"
START_TIMEOUT_S = 180.0


class SparkStartError(RuntimeError):
    """Why a local Spark Connect server could not be started here."""


def spark_home() -> Path:
    """pyspark's install, which ships the Spark distribution (jars, bin/, sbin/)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise SparkStartError(f"needs pyspark with Spark Connect: {INSTALL_HINT}")
    home = Path(spec.origin).parent
    if not (home / "sbin" / "start-connect-server.sh").is_file():
        raise SparkStartError(f"{home} has no sbin/start-connect-server.sh (pyspark-client?)")
    return home


class SparkConnectServer:
    """One local Spark Connect server; `url` is what Scout's `warehouse:` takes."""

    def __init__(self, driver_memory: str = "1g") -> None:
        self.home = spark_home()
        self.driver_memory = driver_memory
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise SparkStartError("needs a Java runtime (17 or newer) on PATH or in JAVA_HOME")
        self.root = Path(tempfile.mkdtemp(prefix="scout-spark-"))
        self.port = free_port()
        self.url = f"sc://127.0.0.1:{self.port}"
        self.log = self.root / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait (bounded) until it accepts connections."""
        conf_dir = self.root / "conf"  # empty: no spark-defaults from the machine
        conf_dir.mkdir()
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(self.home),
            SPARK_CONF_DIR=str(conf_dir),
            SPARK_LOG_DIR=str(self.root / "logs"),
            SPARK_PID_DIR=str(self.root),
            SPARK_LOCAL_IP="127.0.0.1",
            TZ="UTC",
        )
        confs = {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(self.port),
            "spark.sql.warehouse.dir": str(self.root / "warehouse"),
            "spark.sql.session.timeZone": "UTC",
            # A local Spark on a small machine: as many shuffle partitions as cores, no UI.
            "spark.sql.shuffle.partitions": str(os.cpu_count() or 2),
            "spark.ui.enabled": "false",
        }
        command = [
            "bash", str(self.home / "sbin" / "start-connect-server.sh"), "--wait",
            "--master", "local[*]", "--driver-memory", self.driver_memory,
        ]  # fmt: skip
        for key, value in confs.items():
            command += ["--conf", f"{key}={value}"]
        with self.log.open("wb") as log:
            # Its own process group, so stop() ends the script and the JVM under it.
            self._process = subprocess.Popen(
                command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SparkStartError(f"the server exited at start:\n{self._log_tail()}")
            if _accepts(self.port):
                return
            time.sleep(0.5)
        raise SparkStartError(f"not up after {START_TIMEOUT_S:g} s:\n{self._log_tail()}")

    def stop(self) -> None:
        process = self._process
        try:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return "(no log)"


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def spark_url() -> Iterator[str]:
    """`sc://127.0.0.1:PORT` of a private Spark Connect server with an empty catalog."""
    try:
        server = SparkConnectServer()
    except SparkStartError as error:
        pytest.skip(f"Spark Connect server unavailable: {error}")
    try:
        try:
            server.start()
        except SparkStartError as error:
            pytest.skip(f"Spark Connect server did not start: {error}")
        yield server.url
    finally:
        server.stop()
