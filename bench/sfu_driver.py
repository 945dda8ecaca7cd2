"""Benchmark: our Python driver against mediasoup's own Node library, same worker binary.

Each side creates and closes N WebRtcTransports, then N consumers of one producer; requests/s
counts the create and the close of each. Also measures the worker's CPU while it forwards one
video producer to 50 consumers. Prints JSON lines; never asserted in tests.

    .venv/bin/python bench/sfu_driver.py [--n 1000] [--consumers 50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

try:
    import uvloop
except ImportError:
    uvloop = None

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from control.sfu.router import listen_ip  # noqa: E402
from control.sfu.worker import Worker  # noqa: E402
from media_worker import MEDIASOUP_VERSION, cache_dir, worker_binary  # noqa: E402
from tests.media.rtp import device_capabilities, opus_parameters  # noqa: E402
from tests.support.rtp_sender import SimulcastSender  # noqa: E402

MEDIA_CODECS = [
    {"kind": "audio", "mimeType": "audio/opus", "clockRate": 48000, "channels": 2},
    {"kind": "video", "mimeType": "video/VP8", "clockRate": 90000},
]
LOOPBACK = [listen_ip("127.0.0.1")]


def emit(**figures: object) -> None:
    print(json.dumps(figures), flush=True)


async def python_driver(n: int) -> tuple[float, float]:
    worker = await Worker.spawn(worker_binary())
    router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
    start = time.perf_counter()
    for _ in range(n):
        transport = await router.create_webrtc_transport(listen_ips=LOOPBACK)
        transport.close()
    await router.dump()  # every close has been handled once this answers
    transport_seconds = time.perf_counter() - start
    send = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    recv = await router.create_webrtc_transport(listen_ips=LOOPBACK)
    producer = await send.produce(kind="audio", rtp_parameters=opus_parameters())
    caps = device_capabilities(router.rtp_capabilities)
    start = time.perf_counter()
    for _ in range(n):
        consumer = await recv.consume(producer_id=producer.id, rtp_capabilities=caps, paused=True)
        consumer.close()
    await router.dump()
    consumer_seconds = time.perf_counter() - start
    worker.close()
    await worker.wait_closed()
    return transport_seconds, consumer_seconds


def node_modules() -> Path:
    """mediasoup's Node library, installed once into the cache (its worker is never built: ours is used)."""
    folder = cache_dir() / f"bench-node-mediasoup-{MEDIASOUP_VERSION}"
    if not (folder / "node_modules" / "mediasoup").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", f"mediasoup@{MEDIASOUP_VERSION}"],
                       cwd=folder, check=True, capture_output=True,
                       env={**os.environ, "MEDIASOUP_WORKER_BIN": str(worker_binary())})
    return folder / "node_modules"


def node_driver(n: int) -> tuple[float, float]:
    env = {**os.environ, "MEDIASOUP_WORKER_BIN": str(worker_binary()), "MEDIASOUP_NODE_MODULES": str(node_modules()),
           "BENCH_N": str(n), "BENCH_RTP_PARAMETERS": json.dumps(opus_parameters())}
    result = subprocess.run(["node", str(ROOT / "bench" / "node_driver.mjs")], env=env, capture_output=True,
                            text=True, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return figures["transportSeconds"], figures["consumerSeconds"]


async def forwarding_cpu(consumers: int, seconds: float) -> None:
    """The worker's CPU while one simulcast video producer goes out to `consumers` plain RTP consumers."""
    worker = await Worker.spawn(worker_binary())
    router = await worker.create_router([dict(c) for c in MEDIA_CODECS])
    loop = asyncio.get_running_loop()
    sink, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
    sink_port = sink.get_extra_info("sockname")[1]
    ingest = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"), comedia=True)
    sender = SimulcastSender((ingest.tuple["localIp"], ingest.tuple["localPort"]), noise=True)
    producer = await ingest.produce(kind="video", rtp_parameters=sender.rtp_parameters())
    caps = device_capabilities(router.rtp_capabilities)
    outputs = []
    for _ in range(consumers):
        out = await router.create_plain_transport(listen_ip=listen_ip("127.0.0.1"))
        await out.connect(ip="127.0.0.1", port=sink_port)
        outputs.append(await out.consume(producer_id=producer.id, rtp_capabilities=caps))
    await sender.start()
    await asyncio.sleep(2)  # warm up: layers selected, key frames through
    process = psutil.Process(worker.pid)
    process.cpu_percent()
    await asyncio.sleep(seconds)
    cpu = process.cpu_percent()
    stats = await producer.get_stats()
    sent = [s for c in outputs for s in await c.get_stats() if s["type"] == "outbound-rtp"]
    emit(bench="sfu_forwarding", consumers=consumers, seconds=seconds, worker_cpu_percent=round(cpu, 1),
         producer_kbps=round(sum(s["bitrate"] for s in stats) / 1000, 1),
         forwarded_kbps=round(sum(s["bitrate"] for s in sent) / 1000, 1),
         worker_rss_mb=round(process.memory_info().rss / 2**20, 1))
    await sender.stop()
    sink.close()
    worker.close()
    await worker.wait_closed()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--consumers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    # uvicorn runs PeerShare on uvloop when it is installed (it is, with uvicorn[standard]).
    runner = uvloop.run if uvloop is not None else asyncio.run
    py_transports, py_consumers = runner(python_driver(args.n))
    node_transports, node_consumers = node_driver(args.n)
    for name, py, node in (("webrtc_transports", py_transports, node_transports),
                           ("consumers", py_consumers, node_consumers)):
        py_rate, node_rate = 2 * args.n / py, 2 * args.n / node
        emit(bench="sfu_driver", objects=name, n=args.n, python_requests_per_s=round(py_rate),
             node_requests_per_s=round(node_rate), ratio_python_to_node=round(py_rate / node_rate, 2))
    asyncio.run(forwarding_cpu(args.consumers, args.seconds))


if __name__ == "__main__":
    main()
