"""Fixtures for tests with the real mediasoup worker (built by media_worker/build.sh)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from control.sfu.router import Router
from control.sfu.worker import Worker
from media_worker import worker_binary

MEDIA_CODECS: list[dict[str, Any]] = [
    {"kind": "audio", "mimeType": "audio/opus", "clockRate": 48000, "channels": 2},
    {"kind": "video", "mimeType": "video/VP8", "clockRate": 90000},
    {"kind": "video", "mimeType": "video/H264", "clockRate": 90000,
     "parameters": {"packetization-mode": 1, "profile-level-id": "42e01f", "level-asymmetry-allowed": 1}},
]


@pytest.fixture(scope="session")
def binary() -> Path:
    return worker_binary()


@pytest.fixture
async def worker(binary: Path) -> AsyncIterator[Worker]:
    spawned = await Worker.spawn(binary)
    yield spawned
    spawned.close()
    await spawned.wait_closed()


@pytest.fixture
async def router(worker: Worker) -> Router:
    return await worker.create_router([dict(c) for c in MEDIA_CODECS])
