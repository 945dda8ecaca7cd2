"""Where the mediasoup worker binary is: MEDIASOUP_WORKER_BIN, else the cache that build.sh fills."""

from __future__ import annotations

import os
from pathlib import Path

MEDIASOUP_VERSION = (Path(__file__).with_name("VERSION")).read_text().strip()


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "peershare"
    return Path(os.environ.get("PEERSHARE_CACHE") or default)


def worker_binary() -> Path:
    configured = os.environ.get("MEDIASOUP_WORKER_BIN")
    path = Path(configured) if configured else cache_dir() / f"mediasoup-worker-{MEDIASOUP_VERSION}" / "mediasoup-worker"
    if not path.is_file() or not os.access(path, os.X_OK):
        raise FileNotFoundError(f"no mediasoup worker at {path}: run media_worker/build.sh")
    return path
