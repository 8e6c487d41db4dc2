"""SAQ worker: `saq worker.settings`. Imports each domain's jobs and schedules the periodic sweeps."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from saq import CronJob

from app.config import checked_settings
from app.db import create_engine, create_sessionmaker
from app.mail import jobs as mail_jobs
from app.mail.service import transport_for
from app.observability import configure_logging
from app.orders import jobs as order_jobs
from app.queue import create_queue
from app.seating import jobs as seating_jobs

app_settings = checked_settings()  # production refuses unsafe settings before any job runs
configure_logging(app_settings.log_level)


async def startup(ctx: dict[str, Any]) -> None:
    ctx["engine"] = create_engine(app_settings.database_url, pool_size=5)
    ctx["sessionmaker"] = create_sessionmaker(ctx["engine"])
    ctx["mail_transport"] = transport_for(app_settings)
    ctx["redis"] = Redis.from_url(app_settings.redis_url)
    ctx["settings"] = app_settings


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["engine"].dispose()
    await ctx["redis"].aclose()


settings = {
    "queue": create_queue(app_settings),
    "functions": [
        mail_jobs.deliver_mail,
        mail_jobs.drain_outbox,
        seating_jobs.sweep_holds,
        order_jobs.expire_orders,
        order_jobs.settle_refunds,
    ],
    "cron_jobs": [
        CronJob(mail_jobs.drain_outbox, cron="* * * * * */15"),
        CronJob(seating_jobs.sweep_holds, cron="* * * * * */3"),
        CronJob(order_jobs.expire_orders, cron="* * * * * */10"),
        CronJob(order_jobs.settle_refunds, cron="* * * * * */30"),
    ],
    "concurrency": 10,
    # A job of a killed worker keeps its cron from running until SAQ sweeps it: sweep often, not every minute.
    "timers": {"sweep": 10},
    "startup": startup,
    "shutdown": shutdown,
}
