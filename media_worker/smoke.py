"""`python -m media_worker.smoke`: starts the worker through the driver and prints its dump."""

from __future__ import annotations

import asyncio
import json
import sys

from control.sfu.worker import Worker
from media_worker import worker_binary


async def _smoke() -> dict[str, object]:
    worker = await Worker.spawn(worker_binary())
    try:
        return await worker.dump()
    finally:
        worker.close()
        await worker.wait_closed()


def main() -> int:
    try:
        print(json.dumps(asyncio.run(_smoke())))
    except Exception as exc:
        print(f"mediasoup worker smoke check failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
