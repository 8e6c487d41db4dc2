"""`python -m app.cli run|migrate|seed|stop`: what the Makefile calls."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys

from app.config import PROJECT_ROOT, Settings, checked_settings, var_dir_from_env


def migrate(settings: Settings, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    config.attributes["configure_logging"] = False
    command.upgrade(config, revision)


def run(host: str, port: int, workers: int) -> int:
    settings = checked_settings()
    migrate(settings)
    if settings.is_development:  # the demo users' password is printed below: never in production
        from app.seed import seed

        asyncio.run(seed(settings))
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
    server_command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", host, "--port", str(port)),
        *("--workers", str(workers), "--no-access-log", "--no-proxy-headers", "--timeout-graceful-shutdown", "10"),
        *("--log-config", str(PROJECT_ROOT / "app" / "logging.json")),
    ]
    worker_command = [sys.executable, "-m", "saq", "--quiet", "worker.settings"]
    # Our own interpreter with fixed arguments: nothing here comes from user input.
    children = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=env) for command in (worker_command, server_command)]  # noqa: S603
    print(f"\n  Usher is running at http://{host}:{port}\n", flush=True)
    if settings.is_development:
        from app.seed import DEMO_PASSWORD, DEMO_USERS

        for email, _, role in DEMO_USERS:
            print(f"  demo {role.value:<6} {email} / {DEMO_PASSWORD}", flush=True)
        print(f"  mail sent by the app: http://{host}:{port}/dev/mail\n", flush=True)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    codes = [child.wait() for child in children]
    return max(codes, default=0)


def main() -> None:
    parser = argparse.ArgumentParser(prog="usher")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="migrate, seed demo data (development), start the app and the worker")
    run_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run_parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    sub.add_parser("migrate", help="alembic upgrade head")
    sub.add_parser("seed", help="insert the demo data (idempotent; development only)")
    sub.add_parser("stop", help="stop the embedded PostgreSQL and Redis")
    args = parser.parse_args()
    if args.command == "run":
        sys.exit(run(args.host, args.port, args.workers))
    if args.command == "stop":
        from app.embedded import stop_embedded_services

        stop_embedded_services(var_dir_from_env())
        return
    settings = checked_settings()
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "seed":
        from app.seed import DemoDataRefused, seed

        try:
            asyncio.run(seed(settings))
        except DemoDataRefused as exc:
            sys.exit(str(exc))


if __name__ == "__main__":
    main()
