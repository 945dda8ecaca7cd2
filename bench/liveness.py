"""Benchmark: how fast a change of rights reaches the live surfaces, against PeerShare nodes in
their own processes (real worker, coturn, PostgreSQL; two nodes share Redis).

For each change (--changes), --runs times, a three-person SFU call with media flowing and the
victim holding a TURN relay with its call's credentials; the change is made (on node A; the
victim is on node B in the two-node topology) and the time from the request to each effect is
measured:
- socket: the victim's socket is closed (a revoked sign-in), or told it lost the group or channel;
- call: the victim is told it is out of the call (`call_removed`), or muted;
- media: when the last frame of the victim's camera (its microphone, for a mute) reached the peer
  (0: none arrived after the change was asked for);
- turn: the victim's relay is gone (a Refresh answered 437); a mute leaves it.

Prints JSON lines; never asserted in tests. Goal: every effect within 1 s (p95).

    .venv/bin/python bench/liveness.py [--runs 5] [--changes removal,logout,...] [--topology one_node,two_nodes]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import time
from typing import AsyncIterator

from common import bench_node, emit, summary_ms
from tests.support.liveness import SIGN_IN_CHANGES, Scene, make_change, make_scene
from tests.support.turn_client import TurnError, free_udp_tcp_port

REDIS_URL = "redis://127.0.0.1:6379/0"
WATCH_S = 3.0


def turn_env() -> dict[str, str]:
    relay_base = 50000 + (free_udp_tcp_port() % 150) * 100
    return {"TURN_MODE": "managed", "TURN_SECRET": secrets.token_hex(20), "TURN_PORT": str(free_udp_tcp_port()),
            "TURN_HOST": "127.0.0.1", "TURN_MIN_PORT": str(relay_base), "TURN_MAX_PORT": str(relay_base + 99)}


@contextlib.asynccontextmanager
async def nodes(topology: str) -> AsyncIterator[tuple[str, str]]:
    if topology == "one_node":
        async with bench_node(**turn_env()) as node:
            yield node.url, node.url
        return
    shared = {"REDIS_URL": REDIS_URL, "JWT_SECRET": secrets.token_urlsafe(40)}
    async with bench_node(**shared, **turn_env()) as first:
        schema = first.env["DATABASE_SCHEMA"]
        async with bench_node(**shared, DATABASE_SCHEMA=schema, **turn_env()) as second:
            yield first.url, second.url


async def socket_effect(scene: Scene) -> float:
    victim = scene.victim
    if scene.change in SIGN_IN_CHANGES:
        await asyncio.wait_for(victim.conn.wait_closed(), WATCH_S)
        return time.monotonic()
    kind = {"removal": "group_removed", "ban": "group_removed", "group_deleted": "group_removed",
            "mute": "call_muted"}.get(scene.change, "channel_removed")
    await victim.seen(kind, since=scene.mark, timeout=WATCH_S)
    return time.monotonic()


async def call_effect(scene: Scene) -> float:
    if scene.change in SIGN_IN_CHANGES:
        # The socket is gone: the peer sees the victim leave the roster.
        victim_id = scene.calls["victim"].participant_id
        peer = scene.ws["peer"]
        deadline = time.monotonic() + WATCH_S
        while time.monotonic() < deadline:
            states = [f for f in peer.history[scene.peer_mark:] if f["type"] == "call_state"]
            if states and all(p["participant_id"] != victim_id for p in states[-1]["participants"]):
                return time.monotonic()
            await asyncio.sleep(0.01)
        raise TimeoutError("the victim stayed in the roster")
    kind = "call_muted" if scene.change == "mute" else "call_removed"
    await scene.victim.seen(kind, since=scene.mark, timeout=WATCH_S)
    return time.monotonic()


async def media_effect(scene: Scene) -> float:
    """When the last frame of the victim's stream arrived at the peer (the change's start when
    none came after it)."""
    source = "mic" if scene.change == "mute" else "camera"
    started = time.monotonic()
    await asyncio.sleep(WATCH_S)
    victim_id = scene.calls["victim"].participant_id
    arrivals = scene.calls["peer"].views.get(f"{victim_id}:{source}", [])
    return max([started, *arrivals[-1:]])


async def turn_effect(scene: Scene) -> float:
    assert scene.turn is not None
    deadline = time.monotonic() + WATCH_S
    while time.monotonic() < deadline:
        try:
            await scene.turn.refresh()
        except TurnError:
            return time.monotonic()
        await asyncio.sleep(0.02)
    raise TimeoutError("the relay outlived the change")


EFFECTS = {"socket": socket_effect, "call": call_effect, "media": media_effect, "turn": turn_effect}


async def one_run(change: str, node_a: str, node_b: str) -> dict[str, float]:
    scene = await make_scene(change, node_a, node_b, people=3)
    try:
        scene.mark = len(scene.victim.history)
        scene.peer_mark = len(scene.ws["peer"].history)
        surfaces = [s for s in EFFECTS if not (change == "mute" and s == "turn")]
        started = time.monotonic()
        effects = [asyncio.create_task(EFFECTS[surface](scene)) for surface in surfaces]
        await make_change(scene, guest_limit_s=0)
        done = await asyncio.gather(*effects)
        return {surface: (at - started) * 1000 for surface, at in zip(surfaces, done)}
    finally:
        await scene.close()


async def main(runs: int, changes: list[str], topologies: list[str]) -> None:
    for topology in topologies:
        async with nodes(topology) as (node_a, node_b):
            for change in changes:
                samples: dict[str, list[float]] = {}
                for _ in range(runs):
                    for surface, ms in (await one_run(change, node_a, node_b)).items():
                        samples.setdefault(surface, []).append(ms)
                for surface, values in samples.items():
                    emit(bench="liveness", topology=topology, change=change, surface=surface, **summary_ms(values))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", default="logout,removal,ban,role_down,override_off,channel_deleted,mute")
    parser.add_argument("--topology", default="one_node,two_nodes")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.changes.split(","), args.topology.split(",")))
