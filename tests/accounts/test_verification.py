"""E-mail addresses are confirmed before they can own an organization: registration mails a link; until it is
opened the user can log in and buy but not create an organization; an accepted invitation confirms the address."""

from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from urllib.parse import urlsplit

import asyncpg
from sqlalchemy import func, select

from app.accounts.models import Membership, User
from app.accounts.verification import _signature
from app.mail.models import OutboundMail
from tests.conftest import _admin, asyncpg_dsn, run_blocking, take_confirmation_link, with_database


async def test_until_the_mailed_link_is_opened_no_organization_can_be_created(browser, settings, db):
    await browser.register("new@example.com", "Nina New", confirm=False)
    mail = await db.scalar(select(OutboundMail).where(OutboundMail.recipient == "new@example.com"))
    assert mail.subject == "Confirm your e-mail address for Usher"
    assert "http://testserver.local/account/verify/" in mail.text_body

    dashboard = await browser.get("/manage")
    assert dashboard.status_code == 200  # logged in all the same
    assert "Confirm your e-mail address first" in dashboard.text and "Send the link again" in dashboard.text
    assert 'action="/manage/organizations"' not in dashboard.text
    refused = await browser.post_form("/manage/organizations", {"name": "Nina Shows"})
    assert refused.status_code == 403
    assert "Confirm your e-mail address first: open the link we sent to new@example.com" in refused.text
    assert await db.scalar(select(func.count()).select_from(Membership)) == 0

    opened = await browser.get(urlsplit(await take_confirmation_link(settings.database_url, "new@example.com")).path)
    assert opened.status_code == 200 and "Your e-mail address is confirmed" in opened.text
    assert 'action="/manage/organizations"' in (await browser.get("/manage")).text
    assert await browser.create_organization("Nina Shows") == "nina-shows"


async def test_the_link_works_without_being_logged_in_and_opening_it_twice_is_harmless(
    browser, other_browser, settings, db
):
    await browser.register("new@example.com", confirm=False)
    path = urlsplit(await take_confirmation_link(settings.database_url, "new@example.com")).path
    assert (await other_browser.get(path)).status_code == 200  # opened on a phone, say
    first = await db.scalar(select(User.email_verified_at))
    assert first is not None
    assert (await other_browser.get(path)).status_code == 200
    db.expire_all()
    assert await db.scalar(select(User.email_verified_at)) == first
    assert await browser.create_organization("Shows")


async def test_an_altered_foreign_or_expired_link_confirms_nothing(browser, other_browser, settings, db):
    await browser.register("new@example.com", confirm=False)
    await other_browser.register("other@example.com", confirm=False)
    link = urlsplit(await take_confirmation_link(settings.database_url, "new@example.com")).path
    user_hex, expires, signature = link.rsplit("/", 1)[1].split(".")
    other = await db.scalar(select(User.id).where(User.email == "other@example.com"))
    mine = await db.scalar(select(User.id).where(User.email == "new@example.com"))
    past = 1_000_000_000
    attempts = [
        f"{user_hex}.{expires}.{'A' * len(signature)}",  # forged signature
        f"{other.hex}.{expires}.{signature}",  # someone else's account
        f"{user_hex}.{int(expires) + 86400}.{signature}",  # a longer life
        f"{mine.hex}.{past}.{_signature(settings.secret_key, mine, 'new@example.com', past)}",  # expired
        "garbage",
        "ünïcode.☃.x",
    ]
    for token in attempts:
        response = await browser.get(f"/account/verify/{token}")
        assert response.status_code == 410, token
        assert "not valid or has expired" in response.text
    assert await db.scalar(select(func.count()).select_from(User).where(User.email_verified_at.is_not(None))) == 0


async def test_the_link_can_be_sent_again_but_not_without_end(browser, settings, db):
    await browser.register("new@example.com", confirm=False)
    for _ in range(settings.verification_mail_rate_per_user):
        again = await browser.post_form("/account/verify/resend")
        assert again.status_code == 200 and "We sent a new confirmation link to new@example.com" in again.text
    assert (
        await db.scalar(select(func.count()).select_from(OutboundMail)) == 1 + settings.verification_mail_rate_per_user
    )
    refused = await browser.post_form("/account/verify/resend")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "We have sent the confirmation link several times already" in refused.text
    assert "Send the link again" in refused.text  # the dashboard again, not an error page
    # Any of the links sent works.
    opened = await browser.get(urlsplit(await take_confirmation_link(settings.database_url, "new@example.com")).path)
    assert opened.status_code == 200


async def test_sending_the_link_again_needs_a_login_and_a_csrf_token(browser, db):
    anonymous = await browser.post_form("/account/verify/resend")
    assert anonymous.headers["location"].startswith("/login")
    await browser.register("new@example.com", confirm=False)
    assert (await browser.client.post("/account/verify/resend")).status_code == 403
    assert await db.scalar(select(func.count()).select_from(OutboundMail)) == 1


async def test_accepting_an_invitation_confirms_the_invited_address(organizer, other_browser, settings, db):
    browser, org = organizer
    await browser.post_form(f"/manage/{org}/members/invite", {"email": "door@example.com", "role": "door"})
    invitation = await db.scalar(select(OutboundMail.text_body).where(OutboundMail.recipient == "door@example.com"))
    path = re.search(r"http://testserver\.local(/invitations/\S+)", invitation).group(1)
    await other_browser.register("door@example.com", "Dora Door", confirm=False)
    accepted = await other_browser.post_form(f"{path}/accept")
    assert accepted.status_code in (302, 303)
    assert await db.scalar(select(User.email_verified_at).where(User.email == "door@example.com")) is not None
    assert await other_browser.create_organization("Dora's Own Shows")


async def test_only_owning_an_organization_waits_for_the_confirmation(browser):
    await browser.register("fan@example.com", confirm=False)
    assert (await browser.get("/my/tickets")).status_code == 200
    assert (await browser.get("/account/password")).status_code == 200


async def _run(url: str, sql: str, *args):
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


def test_users_who_registered_before_the_rule_count_as_confirmed(server_urls):
    from tests.test_migrations import _alembic

    base_url = server_urls[0]
    name = f"usher_verify_{secrets.token_hex(4)}"
    run_blocking(asyncio.run, _admin(base_url, f'CREATE DATABASE "{name}"'))
    url = with_database(base_url, name)
    try:
        run_blocking(_alembic, url, "upgrade", "0007")
        insert = "INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'old@example.com', 'Old', 'x')"
        run_blocking(asyncio.run, _run(url, insert, uuid.uuid4()))
        run_blocking(_alembic, url, "upgrade", "0008")
        verified = "SELECT email_verified_at IS NOT NULL AND sessions_valid_after IS NULL FROM users"
        assert run_blocking(asyncio.run, _run(url, verified)) is True
    finally:
        run_blocking(asyncio.run, _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
