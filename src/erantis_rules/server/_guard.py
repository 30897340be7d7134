"""Private: the outermost layer of the service (plain ASGI): it sheds load past
``max_in_flight`` (503 with ``Retry-After``), bounds the body's size (413) and the request's
time (408), and measures every request for the metrics."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erantis_rules.server._metrics import Metrics
from erantis_rules.server._problems import (
    BodyTooLarge,
    Overloaded,
    RequestTimedOut,
    ServiceError,
    problem_response,
)
from erantis_rules.server._settings import Settings

__all__ = ["Guard"]

#: Never shed: a load balancer must see a busy instance as alive and ready.
_EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
_INGEST = "/v1/ingest"


class Guard:
    """Load shedding, body and time limits, and request metrics."""

    def __init__(self, app: ASGIApp, *, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "started": False}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
            await send(message)

        try:
            if path not in _EXEMPT and self.in_flight >= self.settings.max_in_flight:
                self.metrics.shed.inc()
                await self._problem(
                    Overloaded("too many requests in flight; retry after a moment"),
                    scope,
                    receive,
                    sending,
                )
                return
            self.in_flight += 1
            try:
                await self._guarded(path, scope, receive, sending, state)
            finally:
                self.in_flight -= 1
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or (path if path in _EXEMPT else "<unmatched>")
            self.metrics.observe(
                scope.get("method", "?"), template, state["status"], time.perf_counter() - started
            )

    async def _guarded(
        self, path: str, scope: Scope, receive: Receive, send: Send, state: dict[str, Any]
    ) -> None:
        ingest = path == _INGEST
        limit = self.settings.max_ingest_bytes if ingest else self.settings.max_body_bytes
        if limit:
            declared = _content_length(scope)
            if declared is not None and declared > limit:
                await self._problem(
                    BodyTooLarge(f"the body is larger than {limit} bytes"), scope, receive, send
                )
                return
        received = 0

        async def receiving() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if limit and received > limit:
                    raise BodyTooLarge(f"the body is larger than {limit} bytes")
            return message

        if ingest:
            # An upload may take long; each read of it is still bounded by the timeout.
            async def reading() -> Message:
                try:
                    return await asyncio.wait_for(receiving(), self.settings.request_timeout)
                except TimeoutError:
                    raise RequestTimedOut("the upload stalled") from None

            await self.app(scope, reading, send)
            return
        try:
            await asyncio.wait_for(
                self.app(scope, receiving, send), timeout=self.settings.request_timeout
            )
        except TimeoutError:
            if not state["started"]:
                await self._problem(
                    RequestTimedOut(
                        f"the request took longer than {self.settings.request_timeout:g} s; "
                        "an append may or may not be stored: retry it as it was"
                    ),
                    scope,
                    receive,
                    send,
                )

    @staticmethod
    async def _problem(error: ServiceError, scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(error, scope["path"])(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
