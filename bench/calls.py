"""Benchmark: calls, with aiortc/pymediasoup clients against a PeerShare node (its own process,
real mediasoup worker) on this machine.

- join → first decoded frame, p50/p95 over --runs joins: P2P (the second person joins) and
  SFU (a fourth person joins a call of three);
- the longest gap in received video at P2P→SFU and SFU→P2P switches (--switches times);
- a --participants-person SFU call of small synthetic streams: time until everyone receives
  everyone, and the worker's and the control process's CPU meanwhile.

Prints JSON lines; never asserted in tests. Goals: join → first frame p50 < 1 s, switch gap < 300 ms.

    .venv/bin/python bench/calls.py [--runs 20] [--switches 5] [--participants 20]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from typing import Any

import psutil

from common import bench_node, emit, summary_ms
from tests.support.api import Api, User, join_with_invite, register_user
from tests.support.call_client import CallClient
from tests.support.nodes import NodeProcess
from tests.support.webrtc import longest_gap
from tests.support.ws import WsClient


def summary(seconds: list[float]) -> dict[str, float]:
    return summary_ms([s * 1000 for s in seconds])


async def first_frame(client: CallClient, timeout: float = 30) -> float:
    """When the client first decoded a frame of any remote camera."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        firsts = [times[0] for key, times in client.views.items() if key.endswith(":camera") and times]
        if firsts:
            return min(firsts)
        await asyncio.sleep(0.005)
    raise TimeoutError("no remote video")


class Bench:
    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.api = Api(node.url)
        self.owner = register_user(self.api)
        self.group = self.owner.api.post("/api/groups", {"name": "bench", "member_limit": 500}).json()

    def user(self) -> User:
        user = register_user(self.api)
        join_with_invite(user, self.owner, self.group["id"])
        return user

    def voice_channel(self) -> str:
        channel = self.owner.api.post(f"/api/groups/{self.group['id']}/channels",
                                      {"name": f"room-{secrets.token_hex(3)}", "kind": "voice"}).json()
        return str(channel["id"])

    async def client(self, user: User, **options: Any) -> CallClient:
        return CallClient(await WsClient.connect(self.node.url, user.tokens["access_token"]), **options)


async def close_all(clients: list[CallClient]) -> None:
    for client in clients:
        await client.close()
        await client.ws.close()


async def join_to_first_frame(bench: Bench, users: list[User], runs: int, already_in: int) -> list[float]:
    """`already_in` people sit in a call; someone joins, `runs` times, and waits for video."""
    channel = bench.voice_channel()
    seated = [await bench.client(u) for u in users[:already_in]]
    times: list[float] = []
    try:
        for client in seated:
            await client.join(channel)
        if already_in > 1:
            await first_frame(seated[0])
        for _ in range(runs):
            joiner = await bench.client(users[already_in])
            started = time.monotonic()
            await joiner.join(channel)
            times.append(await first_frame(joiner) - started)
            await joiner.ws.ok("leave_call")
            await close_all([joiner])
            await asyncio.sleep(0.5)  # the others settle back (to P2P when a call of two)
    finally:
        await close_all(seated)
    return times


async def switch_gaps(bench: Bench, users: list[User], switches: int) -> tuple[list[float], list[float]]:
    to_sfu: list[float] = []
    to_p2p: list[float] = []
    for _ in range(switches):
        channel = bench.voice_channel()
        owner, alice = await bench.client(users[0]), await bench.client(users[1])
        try:
            await owner.join(channel)
            await alice.join(channel)
            await first_frame(owner)
            await asyncio.sleep(1.0)
            third = await bench.client(users[2])
            switch = time.monotonic()
            await third.join(channel)
            await first_frame(third)
            await asyncio.sleep(3.0)
            to_sfu.append(longest_gap(owner.camera_of(alice), since=switch - 0.5))
            back = time.monotonic()
            await third.ws.ok("leave_call")
            await close_all([third])
            await asyncio.sleep(3.0)
            to_p2p.append(longest_gap(owner.camera_of(alice), since=back - 0.5))
        finally:
            await close_all([owner, alice])
    return to_sfu, to_p2p


async def big_call(bench: Bench, users: list[User]) -> dict[str, Any]:
    channel = bench.voice_channel()
    clients = [await bench.client(u, audio=False, camera_size=(64, 48), fps=5) for u in users]
    control = psutil.Process(bench.node.proc.pid) if bench.node.proc else None
    assert control is not None
    try:
        started = time.monotonic()
        for client in clients:
            await client.join(channel)
        joined = time.monotonic() - started
        workers = [p for p in control.children(recursive=True) if "mediasoup-worker" in p.name()]
        me = psutil.Process()
        for process in (control, *workers, me):
            process.cpu_percent()
        deadline = time.monotonic() + 120
        everyone = len(clients) - 1
        while time.monotonic() < deadline:
            complete = sum(1 for c in clients if sum(1 for k, v in c.views.items() if k.endswith(":camera") and v) >= everyone)
            if complete == len(clients):
                break
            await asyncio.sleep(0.1)
        all_received = time.monotonic() - started
        await asyncio.sleep(5.0)
        return {"participants": len(clients), "all_joined_s": round(joined, 2),
                "everyone_receives_everyone_s": round(all_received, 2), "complete": complete,
                "worker_cpu_percent": [round(p.cpu_percent(), 1) for p in workers],
                "control_cpu_percent": round(control.cpu_percent(), 1),
                "clients_cpu_percent": round(me.cpu_percent(), 1),
                "streams_forwarded": len(clients) * everyone}
    finally:
        await close_all(clients)


async def run(args: argparse.Namespace) -> None:
    async with bench_node(LOG_LEVEL="error") as node:
        bench = Bench(node)
        users = [bench.owner] + [bench.user() for _ in range(max(args.participants, 4) - 1)]
        if args.only in (None, "join"):
            p2p = await join_to_first_frame(bench, users, args.runs, already_in=1)
            emit(bench="join_to_first_frame", mode="p2p", **summary(p2p))
            sfu = await join_to_first_frame(bench, users, args.runs, already_in=3)
            emit(bench="join_to_first_frame", mode="sfu", **summary(sfu))
        if args.only in (None, "switch"):
            to_sfu, to_p2p = await switch_gaps(bench, users, args.switches)
            emit(bench="switch_gap", direction="p2p_to_sfu", **summary(to_sfu))
            emit(bench="switch_gap", direction="sfu_to_p2p", **summary(to_p2p))
        if args.only in (None, "big_call"):
            emit(bench="big_call", **await big_call(bench, users[:args.participants]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--switches", type=int, default=5)
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--only", choices=["join", "switch", "big_call"], help="run one part")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
