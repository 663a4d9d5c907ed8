"""A fake Slack Web API on 127.0.0.1 that records every call (stdlib HTTP server, own thread).

It answers the methods Scout uses with the shapes Slack documents, keeps the messages it was
sent (so conversations.replies and chat.update behave), plays the three-step external file
upload, and fails on demand: `fail_next("chat.postMessage", status=429, retry_after=1)` or
`fail_next("chat.postMessage", error="channel_not_found")` for the next N calls;
`reject_blocks("invalid_blocks", block_type="table")` refuses posts whose blocks Slack would not take.

It also reads what it is sent, as a person in Slack would: every message, view and status
line must parse with slack_sdk's Block Kit models and show no raw value (a Python dict, a
bool, `2.644e-06`, a rule key, `region=West` in prose; see tests/block_checks.py). Problems
are collected as calls arrive and raised when the fake is closed (so every test that uses it
as a context manager fails at teardown) or by `assert_payloads_ok()`; a test that sends a
malformed payload on purpose says so with `allow_bad_payloads()`.

Running in its own thread, it serves in-process async tests, a `scout serve` subprocess and
the benchmark alike.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlparse

from tests.block_checks import call_problems

# The fields of a call that the payload checks read: what a cached verdict is keyed on, so a
# payload sent a thousand times (a benchmark, a retried post) is checked once.
_CHECKED_FIELDS = (
    "blocks",
    "text",
    "view",
    "initial_comment",
    "files",
    "status",
    "title",
    "prompts",
)


@dataclass
class Call:
    """One request the fake received."""

    method: str  # "chat.postMessage", "upload" (step 2 of files_upload_v2), "response_url"
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    def json_field(self, name: str) -> Any:
        """A field that may arrive JSON-encoded inside a form body (blocks, files)."""
        value = self.body.get(name)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class _BlockRejection:
    times: int
    error: str
    block_type: str | None

    def applies(self, method: str, body: dict[str, Any]) -> bool:
        if self.times <= 0 or method not in ("chat.postMessage", "chat.update"):
            return False
        blocks = _maybe_json(body.get("blocks"))
        if not isinstance(blocks, list) or not blocks:
            return False
        return self.block_type is None or any(
            isinstance(b, dict) and b.get("type") == self.block_type for b in blocks
        )


@dataclass
class _Failure:
    times: int
    status: int
    retry_after: int | None
    error: str | None


class FakeSlack:
    """Start with `with FakeSlack() as slack:`; point the WebClient at `slack.base_url`."""

    # The fakes serving now, so a per-test check can reach module-scoped ones too.
    _serving: ClassVar[weakref.WeakSet[FakeSlack]] = weakref.WeakSet()

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        check_payloads: bool = True,
    ):
        self.bot_user_id, self.bot_id, self.team_id = bot_user_id, bot_id, team_id
        self.check_payloads = check_payloads
        self._checked = 0  # calls[:_checked] have been read by the payload checks
        self._payload_problems: list[str] = []
        self._verdicts: dict[str, list[str]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.messages: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self._calls: list[Call] = []
        self._failures: dict[str, _Failure] = {}
        self._block_rejections: list[_BlockRejection] = []
        # Calls that are processed, then answered with a dropped connection (Slack got it,
        # the client never heard), or answered only after a stall.
        self._drops: dict[str, int] = {}
        self._stalls: dict[str, float] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._file = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        self._thread.start()
        FakeSlack._serving.add(self)
        return self

    def stop(self) -> None:
        FakeSlack._serving.discard(self)
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:  # a failure already on its way is the one to report
            self.assert_payloads_ok()

    @classmethod
    def serving(cls) -> list[FakeSlack]:
        """The fakes started and not yet stopped."""
        return list(cls._serving)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    # ------------------------------------------------------------------ test controls

    def reset(self) -> None:
        self._read_payloads()  # what was sent before the reset still counts
        with self._lock:
            self._calls.clear()
            self._checked = 0
            self._failures.clear()
            self._block_rejections.clear()
            self.messages.clear()
            self.uploads.clear()

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 200,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail: HTTP 429 (+Retry-After) or ok=false."""
        if status == 429 and error is None:
            error = "ratelimited"
        with self._lock:
            self._failures[method] = _Failure(times, status, retry_after, error or "fatal_error")

    def reject_blocks(
        self, error: str = "invalid_blocks", *, times: int = 1, block_type: str | None = None
    ) -> None:
        """The next `times` posts or edits that carry blocks (one of type `block_type`, if
        given) are refused with ok=false and `error`, as Slack refuses blocks it will not take;
        messages without blocks still go through."""
        with self._lock:
            self._block_rejections.append(_BlockRejection(times, error, block_type))

    def drop_after_processing(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` take effect, then the connection drops."""
        with self._lock:
            self._drops[method] = times

    def stall(self, method: str, seconds: float) -> None:
        """Every call of `method` waits `seconds` before answering (0 ends the stall)."""
        with self._lock:
            self._stalls[method] = seconds

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls (successful and failed), optionally of one method, in order."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def ok_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls(method) if c.status == 200 and "_failed" not in c.body]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Poll (bounded) until `count` successful calls of `method` match; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.ok_calls(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls()]
                raise AssertionError(
                    f"expected {count} x {method}, got {len(found)}; calls: {seen}"
                )
            await asyncio.sleep(0.01)

    def wait_for_sync(self, method: str, count: int = 1, *, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(found := self.ok_calls(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} x {method}, got {len(found)}")
            time.sleep(0.01)
        return found

    # ------------------------------------------------------------------ payload checks

    def allow_bad_payloads(self) -> None:
        """This test sends malformed or raw payloads on purpose: do not fail it for them."""
        self.check_payloads = False

    def payload_problems(self) -> list[str]:
        """Every problem found so far in what the fake was sent (not yet reported)."""
        self._read_payloads()
        with self._lock:
            return list(self._payload_problems)

    def assert_payloads_ok(self) -> None:
        """Fail with every problem found since the last check; each is reported once."""
        found = self.payload_problems()
        with self._lock:
            self._payload_problems.clear()
        if found and self.check_payloads:
            shown = "\n".join(found[:40])
            more = f"\n... and {len(found) - 40} more" if len(found) > 40 else ""
            raise AssertionError(
                f"the fake Slack was sent {len(found)} payload problem(s) "
                f"(see tests/block_checks.py):\n{shown}{more}"
            )

    def _read_payloads(self) -> None:
        with self._lock:
            fresh = self._calls[self._checked :]
            self._checked = len(self._calls)
        found = []
        for call in fresh:
            body = {k: call.body[k] for k in _CHECKED_FIELDS if k in call.body}
            if not body:
                continue
            key = f"{call.method} {json.dumps(body, sort_keys=True, default=str)}"
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = self._verdicts[key] = call_problems(call.method, body)
            label = str(call.body.get("text") or "")[:60]
            found += [f"{call.method} ({label!r}): {p}" for p in verdict]
        with self._lock:
            self._payload_problems += found

    # ------------------------------------------------------------------ the API

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1765800000 + n}.{n:06d}"

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return ok | {
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "team_id": self.team_id,
                "user": "scout",
                "team": "Fake",
                "url": "https://fake.slack.com/",
            }
        if method == "chat.postMessage":
            message = {
                "ts": self._next_ts(),
                "channel": body.get("channel"),
                "text": body.get("text"),
                "thread_ts": body.get("thread_ts"),
                "blocks": _maybe_json(body.get("blocks")),
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "metadata": _maybe_json(body.get("metadata")),
            }
            self.messages.append(message)
            return ok | {"channel": message["channel"], "ts": message["ts"], "message": message}
        if method == "chat.update":
            for message in self.messages:
                if message["ts"] == body.get("ts") and message["channel"] == body.get("channel"):
                    message.update(text=body.get("text"), blocks=_maybe_json(body.get("blocks")))
            return ok | {
                "channel": body.get("channel"),
                "ts": body.get("ts"),
                "text": body.get("text"),
            }
        if method == "chat.postEphemeral":
            return ok | {"message_ts": self._next_ts()}
        if method in ("conversations.replies", "conversations.history"):
            ts = body.get("ts")
            found = [
                m
                for m in self.messages
                if m["channel"] == body.get("channel")
                and (
                    (m["ts"] == ts or m["thread_ts"] == ts)
                    if method == "conversations.replies"
                    else m["thread_ts"] in (None, m["ts"])
                )
            ]
            if str(body.get("include_all_metadata", "")).lower() not in ("1", "true"):
                found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
            if method == "conversations.history":
                found = found[::-1]  # newest first, as Slack lists a channel
            return ok | {"messages": found, "has_more": False}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._file):08d}"
            return ok | {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = _maybe_json(body.get("files")) or []
            return ok | {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "usergroups.users.list":
            group = body.get("usergroup", "")
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return ok | {"users": self.usergroups[group]}
        if method == "views.publish":
            return ok | {"view": {"id": "V0001", "type": "home"}}
        if method == "users.info":
            user = body.get("user", "")
            return ok | {
                "user": {
                    "id": user,
                    "name": user.lower(),
                    "real_name": f"User {user}",
                    "tz": "UTC",
                    "is_bot": False,
                }
            }
        if method in (
            "reactions.add",
            "assistant.threads.setStatus",
            "assistant.threads.setSuggestedPrompts",
            "assistant.threads.setTitle",
        ):
            return ok
        return {"ok": False, "error": "unknown_method"}

    def _handle(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parsed = urlparse(path)
        if parsed.path.startswith("/upload/"):
            file_id = parsed.path.rsplit("/", 1)[-1]
            with self._lock:
                self.uploads[file_id] = raw
                self._calls.append(Call("upload", {"file_id": file_id}, headers, raw))
            return 200, {"Content-Type": "text/plain"}, f"OK - {len(raw)}".encode()
        if parsed.path.startswith("/response/"):
            with self._lock:
                self._calls.append(Call("response_url", _parse_body(headers, raw), headers, raw))
            return 200, {"Content-Type": "text/plain"}, b"ok"
        method = parsed.path.removeprefix("/api/")
        body = _parse_body(headers, raw) | dict(parse_qsl(parsed.query))
        with self._lock:
            failure = self._failures.get(method)
            if failure is not None and failure.times > 0:
                failure.times -= 1
                self._calls.append(
                    Call(method, body | {"_failed": True}, headers, raw, failure.status)
                )
                extra = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                payload = {"ok": False, "error": failure.error}
                return (
                    failure.status,
                    {"Content-Type": "application/json"} | extra,
                    json.dumps(payload).encode(),
                )
            rejection = next((r for r in self._block_rejections if r.applies(method, body)), None)
            if rejection is not None:
                rejection.times -= 1
                self._calls.append(Call(method, body | {"_failed": True}, headers, raw))
                refused = {"ok": False, "error": rejection.error}
                return 200, {"Content-Type": "application/json"}, json.dumps(refused).encode()
            answer = self._answer(method, body)
            self._calls.append(Call(method, body, headers, raw))
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                method = urlparse(self.path).path.removeprefix("/api/")
                with fake._lock:
                    stall = fake._stalls.get(method, 0.0)
                    drop = fake._drops.get(method, 0) > 0
                    if drop:
                        fake._drops[method] -= 1
                if stall:
                    time.sleep(stall)
                status, out_headers, payload = fake._handle(self.path, headers, raw)
                if drop:  # it happened; the client never hears so
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(status)
                for key, value in out_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _parse_body(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    content_type = headers.get("content-type", "")
    if not raw:
        return {}
    if "application/json" in content_type:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {"_json": data}
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))
    return {"_raw_length": len(raw)}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
