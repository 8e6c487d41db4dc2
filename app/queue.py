"""The SAQ queue shared by the app (which enqueues) and worker.py (which runs the jobs)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from saq.queue.redis import RedisQueue

from app.config import Settings

log = logging.getLogger(__name__)
ENQUEUE_WAIT_SECONDS = 1.0  # a Redis that hangs must not hang the request that only nudges the worker


def create_queue(settings: Settings) -> RedisQueue:
    # Queue.from_url only knows redis:// URLs; the embedded Redis listens on a unix:// socket.
    return RedisQueue(Redis.from_url(settings.redis_url), name=settings.queue_name)


async def enqueue_nudge(queue: RedisQueue, function: str, **kwargs: object) -> None:
    """Ask the worker to act now. Work behind a nudge is always also found by a cron sweep,
    so a failed enqueue (Redis down) only delays it."""
    try:
        async with asyncio.timeout(ENQUEUE_WAIT_SECONDS):
            await queue.enqueue(function, **kwargs)
    except Exception:
        log.exception("could not enqueue %s; the periodic sweep will pick it up", function)


async def nudge_mail_delivery(queue: RedisQueue, mail_id: object) -> None:
    """Ask the worker to send one outbox message now (the outbox sweep sends it anyway)."""
    await enqueue_nudge(queue, "deliver_mail", mail_id=str(mail_id))
