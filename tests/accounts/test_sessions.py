"""Sessions end when the password changes: a stolen cookie or a forgotten logged-in laptop stops working the moment
the owner changes or resets the password; the browser that changed it stays logged in on a fresh session."""

from __future__ import annotations

import email
import re
from email import policy

from app.mail.service import deliver_due_mail, transport_for
from tests.conftest import field_error

OLD, NEW = "correct-horse-battery", "new-password-456"


async def logged_in(browser) -> bool:
    return (await browser.get("/manage")).status_code == 200


async def change_password(browser, current: str = OLD, password: str = NEW, confirm: str | None = None):
    data = {"current": current, "password": password, "confirm": password if confirm is None else confirm}
    return await browser.post_form("/account/password", data)


async def test_changing_the_password_logs_out_every_other_session_and_keeps_this_one(browser, other_browser):
    await browser.register("owner@example.com")
    await other_browser.login("owner@example.com")  # say, a laptop left logged in elsewhere
    assert await logged_in(browser) and await logged_in(other_browser)
    before = browser.client.cookies["usher_session"]

    changed = await change_password(browser)

    assert changed.status_code == 200
    assert "Every other session of yours was logged out" in changed.text
    assert browser.client.cookies["usher_session"] != before  # a fresh session, not the old one renewed
    assert await logged_in(browser)
    assert not await logged_in(other_browser)
    assert (await other_browser.login("owner@example.com", OLD)).status_code == 400
    assert (await other_browser.login("owner@example.com", NEW)).status_code in (302, 303)


async def test_a_copied_session_cookie_stops_working_when_the_password_changes(browser, other_browser):
    await browser.register("owner@example.com")
    stolen = browser.client.cookies["usher_session"]
    other_browser.client.cookies.set("usher_session", stolen)
    assert await logged_in(other_browser)  # the thief is in, until ...

    assert (await change_password(browser)).status_code == 200

    assert not await logged_in(other_browser)
    other_browser.client.cookies.set("usher_session", stolen)
    assert not await logged_in(other_browser)  # and it stays out: the old session is gone for good


async def _mailed_reset_path(settings) -> str:
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, pool_size=1)
    await deliver_due_mail(create_sessionmaker(engine), transport_for(settings))
    await engine.dispose()
    for path in sorted(settings.mail_dir.glob("*.eml")):
        body = email.message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
        if match := re.search(r"http://testserver\.local(/password/reset/\S+)", body):
            return match.group(1)
    raise AssertionError("no reset link was mailed")


async def test_a_password_reset_logs_out_every_session_and_logs_in_the_one_that_reset(browser, other_browser, settings):
    await browser.register("forgetful@example.com")
    assert await logged_in(browser)
    await other_browser.post_form("/password/forgot", {"email": "forgetful@example.com"})
    path = await _mailed_reset_path(settings)

    done = await other_browser.post_form(path, {"password": NEW, "confirm": NEW})

    assert done.status_code in (302, 303)
    assert await logged_in(other_browser)
    assert not await logged_in(browser)


async def test_a_reset_link_mailed_before_a_password_change_no_longer_works(browser, other_browser, settings):
    await browser.register("owner@example.com")
    await other_browser.post_form("/password/forgot", {"email": "owner@example.com"})
    path = await _mailed_reset_path(settings)

    assert (await change_password(browser)).status_code == 200

    assert (await other_browser.get(path)).status_code == 410
    refused = await other_browser.post_form(path, {"password": "third-password-789", "confirm": "third-password-789"})
    assert refused.status_code == 422 and "expired or was already used" in refused.text
    assert (await other_browser.login("owner@example.com", NEW)).status_code in (302, 303)


async def test_a_wrong_current_password_or_a_mismatch_changes_nothing_and_says_which_field(browser, other_browser):
    await browser.register("owner@example.com")
    await other_browser.login("owner@example.com")

    wrong = await change_password(browser, current="not-my-password")
    assert wrong.status_code == 422
    assert field_error(wrong.text, "current") == "This is not your current password."
    mismatch = await change_password(browser, confirm="something-else-1")
    assert field_error(mismatch.text, "confirm") == "The two passwords differ."
    same = await change_password(browser, password=OLD)
    assert "different from the current one" in field_error(same.text, "password")

    assert await logged_in(other_browser)
    assert (await other_browser.login("owner@example.com", OLD)).status_code in (302, 303)


async def test_guessing_the_current_password_is_rate_limited(browser, settings):
    await browser.register("owner@example.com")
    for _ in range(settings.login_attempts):
        assert (await change_password(browser, current="guess-guess-guess")).status_code == 422
    blocked = await change_password(browser)  # even the right one, until the window passes
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many attempts to change your password" in blocked.text
    assert 'action="/account/password"' in blocked.text  # the form again, with the message


async def test_the_password_page_needs_a_login_and_a_csrf_token(browser):
    assert (await browser.get("/account/password")).headers["location"] == "/login?next=%2Faccount%2Fpassword"
    await browser.register("owner@example.com")
    page = await browser.get("/account/password")
    assert page.status_code == 200 and 'name="_csrf_token"' in page.text
    forged = await browser.client.post("/account/password", data={"current": OLD, "password": NEW, "confirm": NEW})
    assert forged.status_code == 403
    assert await logged_in(browser)
