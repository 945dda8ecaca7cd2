"""A tiny event emitter for the driver's objects: public lifecycle events go on an `observer`,
kept apart from the objects' own events, as mediasoup's lib does."""

from __future__ import annotations

from typing import Any, Callable

import structlog

log = structlog.get_logger(__name__)


class Emitter:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Callable[..., Any]]] = {}

    def on(self, event: str, listener: Callable[..., Any]) -> None:
        self._listeners.setdefault(event, []).append(listener)

    def off(self, event: str, listener: Callable[..., Any]) -> None:
        if listener in self._listeners.get(event, []):
            self._listeners[event].remove(listener)

    def emit(self, event: str, *args: Any) -> None:
        """Calls every listener; one that raises is logged and does not stop the others."""
        for listener in list(self._listeners.get(event, [])):
            try:
                listener(*args)
            except Exception:
                log.exception("event_listener_failed", event=event)
