"""The worker process and its channel: lifecycle, requests, errors, and death."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from control.sfu.errors import ChannelRequestError, InvalidStateError, WorkerDiedError
from control.sfu.supervisor import Supervisor
from control.sfu.worker import Worker, WorkerSettings
from tests.media.conftest import MEDIA_CODECS


async def test_a_spawned_worker_answers_dump_and_resource_usage(worker: Worker) -> None:
    dump = await worker.dump()
    assert dump["pid"] == worker.pid and dump["routerIds"] == []
    usage = await worker.get_resource_usage()
    assert usage["ru_maxrss"] > 0


async def test_update_settings_changes_log_level_and_tags_without_a_restart(worker: Worker) -> None:
    await worker.update_settings(log_level="debug", log_tags=["info", "ice"])
    await worker.update_settings(log_level="warn")
    assert (await worker.dump())["pid"] == worker.pid


async def test_an_unknown_method_is_a_request_error_and_the_worker_stays_up(worker: Worker) -> None:
    with pytest.raises(ChannelRequestError) as refused:
        await worker.channel.request("worker.flyToTheMoon")
    assert "unknown method" in refused.value.reason
    assert (await worker.dump())["pid"] == worker.pid


async def test_closing_twice_is_harmless_and_closes_the_routers_once(binary: Path) -> None:
    worker = await Worker.spawn(binary)
    router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
    closes: list[str] = []
    router.observer.on("close", lambda: closes.append("router"))
    router.events.on("workerclose", lambda: closes.append("workerclose"))
    worker.observer.on("close", lambda: closes.append("worker"))
    worker.close()
    worker.close()
    await worker.wait_closed()
    assert closes == ["router", "workerclose", "worker"]
    assert router.closed and worker.closed and not worker.died
    with pytest.raises(InvalidStateError):
        await worker.dump()


async def test_kill_9_fires_died_and_fails_pending_requests_fast(binary: Path) -> None:
    worker = await Worker.spawn(binary)
    died = asyncio.Event()
    worker.events.on("died", lambda how: died.set())
    router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
    router_closed = asyncio.Event()
    router.events.on("workerclose", router_closed.set)
    # Stop the worker so a request stays pending, then kill it.
    os.kill(worker.pid, signal.SIGSTOP)
    pending = asyncio.create_task(worker.dump())
    await asyncio.sleep(0.05)
    started = time.monotonic()
    os.kill(worker.pid, signal.SIGKILL)
    with pytest.raises(WorkerDiedError):
        await pending
    assert time.monotonic() - started < 1.0
    await asyncio.wait_for(died.wait(), 5)
    await asyncio.wait_for(router_closed.wait(), 5)
    assert worker.died and worker.closed
    await worker.wait_closed()


async def test_a_worker_that_cannot_start_raises(tmp_path: Path) -> None:
    fake = tmp_path / "not-a-worker"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(InvalidStateError):
        await Worker.spawn(fake)


async def test_the_supervisor_places_routers_on_the_least_loaded_worker(binary: Path) -> None:
    supervisor = Supervisor(binary, num_workers=2, settings=WorkerSettings(rtc_min_port=42000, rtc_max_port=42999))
    await supervisor.start()
    try:
        routers = [await supervisor.create_router([dict(c) for c in MEDIA_CODECS]) for _ in range(4)]
        assert sorted(len(w.routers) for w in supervisor.workers if w) == [2, 2]
        ranges = sorted((w.settings.rtc_min_port, w.settings.rtc_max_port) for w in supervisor.workers if w)
        assert ranges == [(42000, 42499), (42500, 42999)]
        assert len({r.id for r in routers}) == 4
    finally:
        await supervisor.close()


async def test_the_supervisor_respawns_a_killed_worker_within_two_seconds(binary: Path) -> None:
    supervisor = Supervisor(binary, num_workers=1)
    await supervisor.start()
    try:
        router = await supervisor.create_router([dict(c) for c in MEDIA_CODECS])
        lost = asyncio.Event()
        router.events.on("workerclose", lost.set)
        respawned = asyncio.Event()
        supervisor.events.on("workerspawned", lambda slot, worker: respawned.set())
        old = supervisor.workers[0]
        assert old is not None
        started = time.monotonic()
        os.kill(old.pid, signal.SIGKILL)
        await asyncio.wait_for(lost.wait(), 2)
        await asyncio.wait_for(respawned.wait(), 2)
        assert time.monotonic() - started < 2.0
        new = supervisor.workers[0]
        assert new is not None and new.pid != old.pid
        rebuilt = await supervisor.create_router([dict(c) for c in MEDIA_CODECS])
        assert (await rebuilt.dump())["id"] == rebuilt.id
    finally:
        await supervisor.close()


def test_the_driver_works_on_uvloop_as_uvicorn_runs_it(binary: Path) -> None:
    import uvloop

    async def scenario() -> list[str]:
        worker = await Worker.spawn(binary)
        router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
        transport = await router.create_webrtc_transport(listen_ips=[{"ip": "127.0.0.1"}])
        ids: list[str] = (await router.dump())["transportIds"]
        assert ids == [transport.id]
        died = asyncio.Event()
        worker.events.on("died", lambda how: died.set())
        os.kill(worker.pid, signal.SIGKILL)
        await asyncio.wait_for(died.wait(), 5)
        await worker.wait_closed()
        return ids

    assert len(uvloop.run(scenario())) == 1
