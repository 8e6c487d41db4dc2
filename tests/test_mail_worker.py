"""Mail leaves through the SAQ worker: a real worker drains the outbox over SMTP to a real server (aiosmtpd)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from saq import Worker
from sqlalchemy import select

from app.mail import jobs
from app.mail.models import OutboundMail
from app.mail.service import deliver_due_mail, transport_for
from app.queue import create_queue


async def test_the_saq_worker_sends_a_password_reset_over_smtp(browser, other_browser, settings, smtp_server):
    inbox, port = smtp_server
    smtp_settings = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    await other_browser.register("mailme@example.com", "Mai Lee")
    queue = create_queue(settings)
    await queue.connect()

    async def startup(ctx):
        from app.db import create_engine, create_sessionmaker

        ctx["engine"] = create_engine(settings.database_url, pool_size=2)
        ctx["sessionmaker"] = create_sessionmaker(ctx["engine"])
        ctx["mail_transport"] = transport_for(smtp_settings)

    async def shutdown(ctx):
        await ctx["engine"].dispose()

    worker = Worker(queue, functions=[jobs.deliver_mail, jobs.drain_outbox], startup=startup, shutdown=shutdown)
    running = asyncio.create_task(worker.start())
    try:
        await browser.post_form("/password/forgot", {"email": "mailme@example.com"})
        await asyncio.wait_for(inbox.arrived.wait(), timeout=15)
    finally:
        await worker.stop()
        running.cancel()
        await queue.disconnect()
    message = inbox.messages[0]
    assert message["To"] == "mailme@example.com"
    assert message["Subject"] == "Reset your Usher password"
    assert "http://testserver.local/password/reset/" in message.get_body(("plain",)).get_content()


async def test_a_failed_delivery_is_retried_later_and_then_sent_once(settings, smtp_server, db, other_browser):
    inbox, port = smtp_server
    transport = transport_for(replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False))
    await other_browser.register("retry@example.com")
    await other_browser.post_form("/password/forgot", {"email": "retry@example.com"})
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    inbox.refuse = True
    assert await deliver_due_mail(sessionmaker, transport) == 0
    mail = await db.scalar(select(OutboundMail))
    assert (mail.status, mail.attempts) == ("pending", 1)
    assert "451" in mail.last_error
    inbox.refuse = False
    assert await deliver_due_mail(sessionmaker, transport) == 0  # not due yet: backoff
    async with sessionmaker() as session:
        row = await session.get(OutboundMail, mail.id)
        row.next_attempt_at = row.created_at
        await session.commit()
    assert await deliver_due_mail(sessionmaker, transport) == 1
    assert await deliver_due_mail(sessionmaker, transport) == 0  # never twice
    await engine.dispose()
    assert len(inbox.messages) == 1
