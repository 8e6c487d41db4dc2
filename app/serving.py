"""Starting the app as production runs it (a uvicorn process) for tests and benchmarks, and waiting until it
answers."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from app.config import PROJECT_ROOT


@contextmanager
def uvicorn_process(
    env: dict[str, str],
    port: int,
    *,
    workers: int = 1,
    ready_path: str = "/healthz",
    timeout: float = 60,
    extra_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Yield the base URL once `ready_path` answers 200; stop the server afterwards."""
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--no-proxy-headers",  # client addresses come through TRUSTED_PROXIES only (app/web.py)
            *extra_args,
        ],
        cwd=PROJECT_ROOT,
        env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if httpx.get(f"{base_url}{ready_path}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the app server did not start")
            time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
