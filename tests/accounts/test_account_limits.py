"""Sign-ups and password-reset requests are limited per network and per address: nobody can mint accounts in bulk
or flood someone's mailbox through us. A refusal is the form again, with a 429, Retry-After and the wait in words."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from app.accounts.models import User
from app.mail.models import OutboundMail
from app.main import create_app
from tests.conftest import Browser, _client, serving


async def _sign_up(browser: Browser, email: str):
    return await browser.post_form("/register", {"email": email, "name": "Sam", "password": "correct-horse-battery"})


def assert_refused_with_the_form_again(response, message: str, typed: str) -> None:
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert message in response.text and "Try again in" in response.text
    assert f'value="{typed}"' in response.text  # the form again, with what was typed


async def test_sign_ups_are_limited_per_network(settings, db):
    limited = replace(settings, register_rate_per_ip=3)
    async with serving(create_app(limited)) as app, _client(app) as client:
        browser = Browser(client)
        for n in range(3):
            assert (await _sign_up(browser, f"user-{n}@example.com")).status_code in (302, 303)
        refused = await _sign_up(browser, "user-3@example.com")
    assert_refused_with_the_form_again(refused, "Too many sign-ups from your network.", "user-3@example.com")
    assert await db.scalar(select(func.count()).select_from(User)) == 3


async def test_sign_ups_are_limited_per_address_whatever_the_outcome(settings, db):
    limited = replace(settings, register_rate_per_email=2)
    async with serving(create_app(limited)) as app, _client(app) as one, _client(app) as two:
        assert (await _sign_up(Browser(one), "Taken@example.com")).status_code in (302, 303)
        assert (await _sign_up(Browser(two), "taken@example.com")).status_code == 422  # exists already
        refused = await _sign_up(Browser(two), "TAKEN@example.com ")
        assert_refused_with_the_form_again(refused, "Too many sign-ups with this e-mail address.", "TAKEN@example.com ")
        assert (await _sign_up(Browser(two), "someone-else@example.com")).status_code in (302, 303)


async def test_password_reset_requests_are_limited_per_address_and_per_network(settings, db):
    limited = replace(settings, password_reset_rate_per_email=2, password_reset_rate_per_ip=4)
    async with serving(create_app(limited)) as app, _client(app) as client:
        await Browser(client).register("victim@example.com")
        browser = Browser(client)
        for _ in range(2):
            sent = await browser.post_form("/password/forgot", {"email": "victim@example.com"})
            assert sent.status_code == 200 and "If an account exists" in sent.text
        refused = await browser.post_form("/password/forgot", {"email": "Victim@example.com"})
        assert_refused_with_the_form_again(
            refused, "Too many password reset requests for this address.", "Victim@example.com"
        )
        assert (await browser.post_form("/password/forgot", {"email": "other@example.com"})).status_code == 200
        refused = await browser.post_form("/password/forgot", {"email": "third@example.com"})
        assert_refused_with_the_form_again(
            refused, "Too many password reset requests from your network.", "third@example.com"
        )
    assert await db.scalar(select(func.count()).select_from(OutboundMail)) == 2  # the victim got two, no more


async def test_a_limited_login_shows_the_form_again(browser, other_browser, settings):
    await other_browser.register("target@example.com")
    for _ in range(settings.login_attempts):
        await browser.login("target@example.com", "guessing-password")
    refused = await browser.login("target@example.com")
    assert_refused_with_the_form_again(refused, "Too many login attempts", "target@example.com")
