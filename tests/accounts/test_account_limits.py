"""Sign-ups and password-reset requests are limited per network and per address: nobody can mint accounts in bulk
or flood someone's mailbox through us. A refusal is the form again, with a 429, Retry-After and the wait in words."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.passwords import hash_password
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


@pytest.fixture
async def organizer_user(db) -> str:
    """An account to guess at; returns its password."""
    password = "the-right-password-9"
    db.add(User(email="owner@example.com", name="Owner", password_hash=hash_password(password)))
    await db.commit()
    return password


def _from(app, address: str) -> Browser:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return Browser(httpx.AsyncClient(transport=transport, base_url="http://testserver.local"))


async def _log_in(browser: Browser, password: str):
    return await browser.post_form("/login", {"email": "owner@example.com", "password": password})


async def test_guessing_a_password_from_many_addresses_of_one_ipv6_64_counts_as_one_network(settings, organizer_user):
    limited = replace(settings, login_attempts=3, login_rate_per_account=100)
    async with serving(create_app(limited)) as app:
        answers = [(await _log_in(_from(app, f"2001:db8:1:2::{n}"), "wrong-guess")).status_code for n in range(1, 5)]
        elsewhere = await _log_in(_from(app, "2001:db8:9:9::1"), "wrong-guess")
    assert answers == [400, 400, 400, 429]
    assert elsewhere.status_code == 400  # another network still gets its own tries


async def test_guesses_against_one_account_add_up_across_networks_and_a_success_adds_nothing(settings, organizer_user):
    limited = replace(settings, login_attempts=100, login_rate_per_account=3)
    async with serving(create_app(limited)) as app:
        for _ in range(5):  # the owner logging in again and again is never limited
            assert (await _log_in(_from(app, "198.51.100.7"), organizer_user)).status_code in (302, 303)
        guesses = [(await _log_in(_from(app, f"203.0.113.{n}"), "wrong-guess")).status_code for n in range(1, 5)]
        owner = await _log_in(_from(app, "198.51.100.7"), organizer_user)
    assert guesses == [400, 400, 400, 429]
    assert owner.status_code == 429  # the account is shielded for the window, whoever asks
