"""Runs a real PeerShare node (uvicorn, real HTTP) in a background thread for tests."""

from __future__ import annotations

import dataclasses
import socket
import threading
from typing import Any, Callable

import uvicorn

from control.app import build_app
from control.cli import uvicorn_options
from control.settings import Settings


class RunningServer:
    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self.url = settings.public_url
        # The app, for tests that look inside a node (its SFU rooms, its workers).
        self.app = build_app(settings)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on",
                                **uvicorn_options(settings))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._sock = sock

    def start(self, timeout_s: float = 30.0) -> None:
        self._thread.start()
        deadline = threading.Event()
        for _ in range(int(timeout_s * 20)):
            if self._server.started:
                return
            if not self._thread.is_alive():
                raise RuntimeError("the test server failed to start")
            deadline.wait(0.05)
        raise TimeoutError("the test server did not start in time")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


def start_server(base: Settings, configure: Callable[[str], dict[str, Any]] | None = None,
                 **overrides: Any) -> RunningServer:
    """A node on a free loopback port; its public URL is that port. `configure` gives settings
    that depend on that URL (OAuth redirect URIs)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    if configure is not None:
        overrides.update(configure(url))
    settings = dataclasses.replace(base, host="127.0.0.1", port=port, public_url=url, **overrides)
    server = RunningServer(settings, sock)
    server.start()
    return server
