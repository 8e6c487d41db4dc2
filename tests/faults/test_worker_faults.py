"""The worker (a real `saq worker.settings` process) killed with SIGKILL in the middle of sending mail, refunding
and expiring orders, at the worst moments: an SMTP server stalling before it accepts a message, Stripe
(localstripe) having made a refund whose answer never reaches the worker, an expiry waiting for a seat's lock.
After a restart every job finishes exactly once: each message arrives once, each order is refunded once at the
provider and recorded once, each unpaid order expires once and gives its seats and promo use back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy

import asyncpg
import pytest
from aiohttp import ClientSession, web
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from app.config import PROJECT_ROOT
from app.mail.models import OutboundMail
from app.orders.models import Order, PaymentRecord, PromoCode
from app.queue import create_queue
from tests.conftest import asyncpg_dsn, free_port
from tests.orders.conftest import add_promo
from tests.orders.test_stripe import localstripe, pay_in_browser, stripe_client  # noqa: F401 - a fixture
from tests.seating.conftest import make_seated_event

QUEUE = "usher-faults"
STALL_TIMEOUT = 30  # the worker process starts (imports, pool) before anything can stall


# --- a mail server that stalls one message before accepting it --------------------------------------------------


class StallingInbox:
    """Accepts every message except the `stall_at`-th, which it holds before answering until released, then
    refuses (451): the worst moment for a sender, which cannot know whether the message went out."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stall_at: int) -> None:
        self.loop, self.stall_at = loop, stall_at
        self.arrivals = 0
        self.accepted: list[str] = []  # Message-IDs, in order
        self.stalled_message_id = ""
        self.stalled = asyncio.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.arrivals += 1
        message = message_from_bytes(envelope.content, policy=policy.default)
        if self.arrivals == self.stall_at:
            self.stalled_message_id = message["Message-ID"]
            self.loop.call_soon_threadsafe(self.stalled.set)
            await asyncio.to_thread(self.release.wait, STALL_TIMEOUT)
            return "451 4.3.0 try again later"
        self.accepted.append(message["Message-ID"])
        return "250 OK"


# --- Stripe (localstripe) behind a proxy that swallows one refund's answer -------------------------------------


@dataclass
class StallingStripe:
    """Passes every call to localstripe; the `stall_at`-th refund is made there, but its answer is held until
    released (by then the worker is dead): the refund exists and the worker never heard of it."""

    upstream: str
    stall_at: int
    refunds_asked: int = 0
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}}
        async with (
            ClientSession() as session,
            session.request(
                request.method, self.upstream + request.path_qs, headers=headers, data=await request.read()
            ) as answer,
        ):
            body, status = await answer.read(), answer.status
        if request.method == "POST" and request.path == "/v1/refunds":
            self.refunds_asked += 1
            if self.refunds_asked == self.stall_at:
                self.stalled.set()
                await self.release.wait()
        return web.Response(body=body, status=status, content_type="application/json")


@pytest.fixture
async def stalling_stripe(localstripe: str) -> AsyncIterator[tuple[StallingStripe, str]]:  # noqa: F811
    proxy = StallingStripe(localstripe, stall_at=2)
    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(application)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield proxy, f"http://127.0.0.1:{port}"
    proxy.release.set()
    await runner.cleanup()


@pytest.fixture
async def stalling_inbox() -> AsyncIterator[tuple[StallingInbox, int]]:
    inbox = StallingInbox(asyncio.get_running_loop(), stall_at=3)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    inbox.release.set()
    controller.stop()


# --- the worker as production runs it ------------------------------------------------------------------------


class WorkerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # our own interpreter and arguments
            [sys.executable, "-m", "saq", "worker.settings", "--quiet"], cwd=PROJECT_ROOT, env=self.env
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, no transaction commits, connections just drop."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def worker(settings, redis_url, stalling_inbox, stalling_stripe) -> Iterator[WorkerProcess]:
    (_, smtp_port), (_, stripe_url) = stalling_inbox, stalling_stripe
    process = WorkerProcess(
        {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": redis_url,
            "QUEUE_NAME": QUEUE,
            "USHER_ENV": "test",
            "SECRET_KEY": settings.secret_key,
            "LOG_LEVEL": "ERROR",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_STARTTLS": "false",
            "STRIPE_SECRET_KEY": "sk_test_usher",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_usher",
            "STRIPE_WEBHOOK_SECRET": "whsec_usher_test",
            "STRIPE_API_BASE": stripe_url,
        }
    )
    yield process
    process.stop()


@pytest.fixture
async def queue(settings):
    jobs = create_queue(replace(settings, queue_name=QUEUE))
    await jobs.connect()
    yield jobs
    await jobs.disconnect()


# --- the work left to the worker ------------------------------------------------------------------------------


async def _place_order(client, slug: str, seats: list[str], **fields: str) -> str:
    held = await client.post(f"/api/v1/events/{slug}/holds", json={"seats": seats})
    assert held.status_code == 201, held.text
    buyer = {"event": slug, "email": f"buyer-{uuid.uuid4().hex[:8]}@example.com", "name": "Ada", **fields}
    placed = await client.post("/api/v1/orders", json=buyer, headers={"X-Cart": held.headers["X-Cart"]})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"]


async def _orders(db, numbers: list[str]) -> list[Order]:
    query = select(Order).where(Order.number.in_(numbers)).execution_options(populate_existing=True)
    return list((await db.scalars(query)).all())


@dataclass
class Backlog:
    mail_ids: list[uuid.UUID]
    refunds: list[str]  # order numbers set for a refund, paid through localstripe
    expiring: list[str]  # order numbers whose payment window is about to close
    promo_id: uuid.UUID


async def _backlog(db, client, settings, localstripe_url: str) -> Backlog:
    event = await make_seated_event(db)
    await add_promo(db, event.id, "FAULT", value=10, max_uses=10)
    mails = [
        OutboundMail(id=uuid.uuid4(), recipient=f"fan{i}@example.com", subject=f"Ticket {i}", text_body="Hello")
        for i in range(5)
    ]
    db.add_all(mails)
    await db.commit()
    stripe_settings = replace(settings, stripe_secret_key="sk_test_usher", stripe_api_base=localstripe_url)
    refunds = [await _place_order(client, event.slug, [f"SL-A-{n}"]) for n in (1, 2, 3)]
    for placed in await _orders(db, refunds):
        intent = await stripe_client(stripe_settings).v1.payment_intents.create_async(
            params={"amount": placed.total_minor, "currency": placed.currency.lower()}
        )
        assert (await pay_in_browser(stripe_settings, intent.id, "4242424242424242"))["status"] == "succeeded"
        placed.provider, placed.provider_reference, placed.status = "stripe", intent.id, "refund_due"
        placed.refund_reason = "The concert moved to a smaller hall."
    expiring = [
        await _place_order(client, event.slug, [f"SC-B-{n}", f"SC-B-{n + 6}"], promo_code="FAULT") for n in (1, 2, 3)
    ]
    await _place_order(client, event.slug, ["SL-C-1"], promo_code="FAULT")  # stays payable
    await db.commit()
    return Backlog([m.id for m in mails], refunds, expiring, await db.scalar(select(PromoCode.id)))


async def _worker_waiting_for_a_lock(connection: asyncpg.Connection) -> None:
    for _ in range(250):  # the worker's lock_timeout is 3 s
        await connection.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view stands still
        if await connection.fetchval(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'usher' AND wait_event_type = 'Lock'"
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the expiry never waited for the locked seat")


async def test_a_worker_killed_while_mailing_refunding_and_expiring_finishes_each_job_exactly_once_after_restart(
    db,
    client,
    settings,
    localstripe,  # noqa: F811
    worker,
    queue,
    stalling_inbox,
    stalling_stripe,
):
    (inbox, _), (stripe_proxy, _) = stalling_inbox, stalling_stripe
    backlog = await _backlog(db, client, settings, localstripe)

    worker.start()
    await queue.enqueue("drain_outbox")
    await queue.enqueue("settle_refunds")
    await asyncio.wait_for(asyncio.gather(inbox.stalled.wait(), stripe_proxy.stalled.wait()), STALL_TIMEOUT)
    # The mail and refund jobs are mid-flight; now the unpaid orders' window closes while one of their seats is
    # locked, so the expiry stops in the middle of its transaction.
    seat_lock = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    async with seat_lock.transaction():
        await seat_lock.execute("SELECT 1 FROM event_seats WHERE key = 'SC-B-8' FOR UPDATE")
        await db.execute(
            text("UPDATE orders SET expires_at = now() - interval '1 minute' WHERE number = ANY(:numbers)"),
            {"numbers": backlog.expiring},
        )
        await db.commit()
        await queue.enqueue("expire_orders")
        await _worker_waiting_for_a_lock(seat_lock)
        worker.kill()
    await seat_lock.close()
    inbox.release.set()
    stripe_proxy.release.set()

    # every message the server accepted is recorded as sent, and only those (the stalled one was refused)
    sent = await db.scalars(select(OutboundMail.id).where(OutboundMail.status == "sent"))
    assert sorted(f"<{mail_id}@usher.localhost>" for mail_id in sent) == sorted(inbox.accepted)
    assert len(inbox.accepted) < len(backlog.mail_ids)

    worker.start()
    for job in ("drain_outbox", "settle_refunds", "expire_orders"):
        await queue.apply(job, timeout=STALL_TIMEOUT)
    # and once more: nothing left to do, nothing done twice
    assert [await queue.apply(job, timeout=10) for job in ("drain_outbox", "settle_refunds", "expire_orders")] == [
        0,
        0,
        0,
    ]

    assert sorted(inbox.accepted) == sorted(f"<{mail_id}@usher.localhost>" for mail_id in backlog.mail_ids)
    assert inbox.stalled_message_id in inbox.accepted  # the retry is recognisably the same message
    statuses = await db.scalars(select(OutboundMail.status).execution_options(populate_existing=True))
    assert set(statuses) == {"sent"}

    stripe = stripe_client(replace(settings, stripe_secret_key="sk_test_usher", stripe_api_base=localstripe))
    for refunded in await _orders(db, backlog.refunds):
        assert refunded.status == "refunded"
        at_stripe = await stripe.v1.refunds.list_async(params={"payment_intent": refunded.provider_reference})
        assert [r.amount for r in at_stripe.data] == [refunded.total_minor]
        recorded = await db.scalars(
            select(PaymentRecord.external_id).where(
                PaymentRecord.order_id == refunded.id, PaymentRecord.kind == "refund_sent"
            )
        )
        assert list(recorded) == [f"refund:{at_stripe.data[0].id}"]

    assert {o.status for o in await _orders(db, backlog.expiring)} == {"expired"}
    freed = await db.scalars(text("SELECT status FROM event_seats WHERE key LIKE 'SC-B-%' AND key <> 'SC-B-12'"))
    assert set(freed) == {"available"}
    promo = await db.get(PromoCode, backlog.promo_id, populate_existing=True)
    assert promo.used_count == 1  # the order still payable keeps its use; each expired one gave its use back once
