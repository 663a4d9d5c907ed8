"""A strict, scripted fake of an OpenAI-compatible chat server on 127.0.0.1 (aiohttp, own thread).

Each expected call is scripted in order: a JSON answer, raw (malformed) text, an HTTP error,
a 429 with a short Retry-After, or a slow answer that outlasts the client's timeout. Answers
have the real `chat.completion` shape, so the official SDK parses them as it would OpenAI's.
A call nobody scripted, or a scripted answer nobody asked for, fails the test (`verify()`,
called by the `fake_openai` fixture at teardown), like a scripted model in agent frameworks.
Replies recorded from a real model can be replayed instead, looked up by the prompt's hash
(`replay`), so a prompt that changed shows up as a prompt nobody recorded.

Running in its own thread and loop, it serves async tests, sync code and subprocesses alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CREATED = 1_765_756_800  # 2025-12-15 00:00 UTC: fixed, so recorded replies are stable


@dataclass(frozen=True, kw_only=True)
class Scripted:
    """One answer to give: a status, a body (JSON value or raw text), headers, a delay."""

    status: int = 200
    content: str | None = None  # the assistant message text, for status 200
    body: Any = None  # a whole body instead (errors, odd shapes)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    finish_reason: str = "stop"
    label: str = ""


@dataclass(frozen=True, kw_only=True)
class Request:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    body: Any
    answered_with: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    def message(self, role: str) -> str:
        """The content of the first message with this role."""
        return next((m["content"] for m in self.messages if m.get("role") == role), "")


def prompt_key(messages: Any) -> str:
    """A recorded reply's key: the exact messages a client sent, hashed."""
    text = json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class FakeOpenAI:
    """`with FakeOpenAI() as fake:` then point a client at `fake.base_url`; script answers."""

    def __init__(self, *, model: str = "fake-model") -> None:
        self.model = model
        self.requests: list[Request] = []
        self.unexpected: list[str] = []
        self._script: deque[Scripted] = deque()
        # Replies recorded once from a real model, keyed by prompt: served when nothing is
        # scripted; a prompt nobody recorded is answered with an error and listed here.
        self._recorded: dict[str, str] = {}
        self.unrecorded: list[str] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._released: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._released is not None:
            self._loop.call_soon_threadsafe(self._released.set)  # slow answers end now
        if self._runner is not None:
            runner = self._runner
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        self._released = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()

    # ------------------------------------------------------------------ scripting

    def expect(self, *answers: Scripted) -> FakeOpenAI:
        """Queue answers for the next calls, in order."""
        with self._lock:
            self._script.extend(answers)
        return self

    def reply_json(self, value: Any, *, label: str = "json") -> FakeOpenAI:
        """The next call gets `value` as JSON text in the assistant message."""
        return self.expect(Scripted(content=json.dumps(value), label=label))

    def reply_text(
        self, text: str, *, label: str = "text", finish_reason: str = "stop"
    ) -> FakeOpenAI:
        """The next call gets this exact assistant text (malformed JSON, prose …)."""
        return self.expect(Scripted(content=text, label=label, finish_reason=finish_reason))

    def fail(self, status: int, *, times: int = 1, retry_after_ms: int | None = 5) -> FakeOpenAI:
        """The next `times` calls get an OpenAI-style error with this status."""
        kind = "rate_limit_error" if status == 429 else "server_error"
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
        body = {"error": {"message": f"fake {status}", "type": kind, "param": None, "code": None}}
        answer = Scripted(status=status, body=body, headers=headers, label=str(status))
        return self.expect(*([answer] * times))

    def slow(self, seconds: float, value: Any = None, *, times: int = 1) -> FakeOpenAI:
        """The next `times` calls answer only after `seconds` (or when the fake stops)."""
        content = json.dumps(value if value is not None else {})
        return self.expect(*([Scripted(content=content, delay=seconds, label="slow")] * times))

    def replay(self, recorded: dict[str, str]) -> FakeOpenAI:
        """Answer any prompt in `recorded` (prompt_key → reply text) with its reply."""
        with self._lock:
            self._recorded.update(recorded)
        return self

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def verify(self) -> None:
        """Fail when a call came that nobody scripted, or a scripted answer went unused."""
        with self._lock:
            left = [s.label for s in self._script]
        problems = [f"unexpected call: {u}" for u in self.unexpected]
        if left:
            problems.append(f"scripted answers never requested: {left}")
        if problems:
            raise AssertionError("FakeOpenAI: " + "; ".join(problems))

    # ------------------------------------------------------------------ serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        path = request.path
        problem = None
        if request.method != "POST" or path not in ("/v1/chat/completions", "/chat/completions"):
            problem = f"{request.method} {path}"
        elif not request.headers.get("Authorization", "").startswith("Bearer "):
            problem = f"{path} without a bearer token"
        elif not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            problem = f"{path} with a body that is not a chat request"
        with self._lock:
            answer = self._script.popleft() if self._script and problem is None else None
            if answer is None and problem is None and self._recorded:
                key = prompt_key(body["messages"])
                if key in self._recorded:
                    answer = Scripted(content=self._recorded[key], label=f"recorded {key}")
                else:
                    self.unrecorded.append(key)
                    problem = f"{path} with a prompt nobody recorded ({key})"
            if answer is None and problem is None:
                problem = f"{path} with nothing scripted"
            self.requests.append(
                Request(
                    path=path,
                    headers=dict(request.headers),
                    body=body,
                    answered_with=answer.label if answer else "unexpected",
                )
            )
            if problem is not None:
                self.unexpected.append(problem)
        if answer is None:
            # Tell the SDK not to retry, so one unexpected call is recorded once.
            return web.json_response(
                {"error": {"message": f"unexpected call: {problem}", "type": "fake_error"}},
                status=500,
                headers={"x-should-retry": "false"},
            )
        if answer.delay and self._released is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), answer.delay)
        if answer.status != 200 or answer.body is not None:
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)
        return web.json_response(self._completion(answer, body), headers=answer.headers)

    def _completion(self, answer: Scripted, request: dict[str, Any]) -> dict[str, Any]:
        content = answer.content or ""
        prompt = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": CREATED,
            "model": request.get("model", self.model),
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": answer.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt // 4,
                "completion_tokens": len(content) // 4,
                "total_tokens": prompt // 4 + len(content) // 4,
            },
        }
