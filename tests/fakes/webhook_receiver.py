"""A partner's webhook receiver on loopback: verifies Scout's signature, records each POST
with its Idempotency-Key, and answers as scripted (a status, or "hang")."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "whsec-test"


@dataclass
class Receiver:
    """Answers each POST with the next scripted step, then with `default` once it runs out;
    a request whose signature does not verify gets 401 whatever the script says."""

    script: list[int | str] = field(default_factory=list)  # a status, or "hang"
    default: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    secret: str = SECRET

    def next_status(self, valid: bool) -> int:
        step = self.script.pop(0) if self.script else self.default
        if step == "hang":
            time.sleep(1.5)  # longer than the client's timeout in the tests that script it
            step = 200
        return int(step) if valid else 401


@contextmanager
def serve_receiver(path: str = "/hooks/offers") -> Iterator[Receiver]:
    """Run a receiver on 127.0.0.1 for the duration of the block."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            stamp = self.headers["X-Scout-Timestamp"]
            expected = hmac.new(state.secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256)
            valid = hmac.compare_digest(
                self.headers["X-Scout-Signature"], "v1=" + expected.hexdigest()
            )
            state.received.append(
                {"body": json.loads(raw), "key": self.headers["Idempotency-Key"], "valid": valid}
            )
            status = state.next_status(valid)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no" if status >= 400 else b"ok")

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
