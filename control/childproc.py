"""The processes a node runs (the mediasoup worker, coturn).

They are started with posix_spawn: no Python code runs between fork and exec, which is what
`preexec_fn` does and what can deadlock the child in a process with threads (aiortc's codec
threads, a test's in-thread server). `setpriv --pdeathsig KILL` in front of the program has the
kernel kill it when the node dies, even by kill -9.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import signal

import structlog

log = structlog.get_logger(__name__)

_SETPRIV = shutil.which("setpriv")


class ChildProcess:
    """A child awaited through a pidfd, so it works the same on asyncio's loop and on uvloop.
    `fds` maps the child's fd numbers to the parent's fds that it gets there."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None, fds: dict[int, int] | None = None) -> None:
        if _SETPRIV is not None:
            args = [_SETPRIV, "--pdeathsig", "KILL", *args]
        else:
            log.warning("setpriv_missing", effect="children outlive a node killed with -9")
        # Above every target number first, so no dup2 below overwrites an fd still to be moved.
        moved = {target: fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for target, fd in (fds or {}).items()}
        actions: list[tuple[int, ...] | tuple[int, int, str, int, int]] = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            *((os.POSIX_SPAWN_DUP2, fd, target) for target, fd in moved.items()),
        ]
        try:
            self.pid = os.posix_spawnp(args[0], args, os.environ if env is None else env, file_actions=actions)
        finally:
            for fd in moved.values():
                os.close(fd)
        self._loop = asyncio.get_running_loop()
        self._exited: asyncio.Future[int] = self._loop.create_future()
        self._pidfd = os.pidfd_open(self.pid)
        self._loop.add_reader(self._pidfd, self._on_exit)

    def _on_exit(self) -> None:
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        _, status = os.waitpid(self.pid, 0)
        if not self._exited.done():
            # As subprocess reports it: the exit code, or minus the signal that ended it.
            self._exited.set_result(os.waitstatus_to_exitcode(status))

    @property
    def returncode(self) -> int | None:
        return self._exited.result() if self._exited.done() else None

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
