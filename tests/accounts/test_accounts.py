"""Registration, login, sessions, CSRF, rate limits and password reset, as a visitor experiences them."""

from __future__ import annotations

import email
import re
from email import policy

from sqlalchemy import select

from app.accounts.models import User
from app.mail.service import deliver_due_mail, transport_for
from tests.conftest import field_error


async def test_registering_logs_the_new_user_in_and_hashes_the_password_with_argon2(browser, db):
    response = await browser.register("Ada@Example.com", "Ada Lovelace")
    assert response.headers["location"] == "/manage"
    page = await browser.get("/manage")
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text
    user = await db.scalar(select(User).where(User.email == "ada@example.com"))
    assert user.password_hash.startswith("$argon2id$")


async def test_registration_with_bad_fields_rerenders_the_form_with_every_error(browser, db):
    response = await browser.post_form("/register", {"email": "not-an-email", "name": "", "password": "short"})
    assert response.status_code == 422
    assert "not valid" in field_error(response.text, "email")
    assert field_error(response.text, "name") == "This field is required."
    assert "at least 10" in field_error(response.text, "password")
    assert 'value="not-an-email"' in response.text  # what was typed is kept
    assert await db.scalar(select(User)) is None


async def test_registering_an_existing_email_says_so_on_the_field(browser, other_browser):
    await browser.register("taken@example.com")
    response = await other_browser.post_form(
        "/register", {"email": "TAKEN@example.com", "name": "Other", "password": "another-long-password"}
    )
    assert response.status_code == 422
    assert "already exists" in field_error(response.text, "email")


async def test_session_cookie_is_httponly_samesite_lax_and_rotated_at_login(browser, other_browser):
    await other_browser.register("rotate@example.com")
    await browser.csrf_token()
    await browser.get("/login")
    planted = "a" * 64
    browser.client.cookies.set("usher_session", planted)
    response = await browser.login("rotate@example.com")
    assert response.status_code in (302, 303)
    set_cookie = response.headers["set-cookie"]
    assert "usher_session=" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=lax" in set_cookie or "SameSite=Lax" in set_cookie
    new_id = re.search(r"usher_session=([^;]+)", set_cookie).group(1)
    assert new_id != planted


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(browser, other_browser):
    await other_browser.register("who@example.com")
    wrong_password = await browser.login("who@example.com", "wrong-password!!")
    unknown_user = await browser.login("nobody@example.com", "wrong-password!!")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert "E-mail or password is not right." in wrong_password.text
    assert "E-mail or password is not right." in unknown_user.text


async def test_login_is_rate_limited_per_ip_and_email_with_a_clear_message(browser, other_browser, settings):
    await other_browser.register("target@example.com")
    for _ in range(settings.login_attempts):
        assert (await browser.login("target@example.com", "guessing-password")).status_code == 400
    blocked = await browser.login("target@example.com", "correct-horse-battery")
    assert blocked.status_code == 429
    assert "Too many login attempts" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    # Another account from the same network is not locked out.
    await other_browser.register("bystander@example.com")
    assert (await browser.login("bystander@example.com")).status_code in (302, 303)


async def test_logout_ends_the_session(browser):
    await browser.register("leaving@example.com")
    assert (await browser.get("/manage")).status_code == 200
    await browser.post_form("/logout")
    response = await browser.get("/manage")
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login?next=")


async def test_forms_without_a_csrf_token_are_refused(browser):
    await browser.csrf_token()
    response = await browser.client.post(
        "/register", data={"email": "x@example.com", "name": "X", "password": "long-enough-password"}
    )
    assert response.status_code == 403
    assert "form expired" in response.text


async def test_login_redirects_only_to_local_paths(browser, other_browser):
    await other_browser.register("next@example.com")
    response = await browser.post_form(
        "/login",
        {"email": "next@example.com", "password": "correct-horse-battery", "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/manage"


async def _mailed_link(settings, sessionmaker_db, pattern: str) -> str:
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url, pool_size=1)
    await deliver_due_mail(create_sessionmaker(engine), transport_for(settings))
    await engine.dispose()
    files = sorted(settings.mail_dir.glob("*.eml"))
    assert files, "no mail was written"
    message = email.message_from_bytes(files[-1].read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(pattern, body).group(0)


async def test_password_reset_by_mailed_link_works_once(browser, other_browser, settings, db):
    await other_browser.register("forgetful@example.com", password="old-password-123")
    sent = await browser.post_form("/password/forgot", {"email": "forgetful@example.com"})
    assert sent.status_code == 200
    assert "If an account exists" in sent.text
    link = await _mailed_link(settings, db, r"http://testserver\.local/password/reset/\S+")
    path = link.removeprefix("http://testserver.local")
    assert (await browser.get(path)).status_code == 200
    mismatch = await browser.post_form(path, {"password": "new-password-456", "confirm": "different-456"})
    assert mismatch.status_code == 422
    assert field_error(mismatch.text, "confirm") == "The two passwords differ."
    done = await browser.post_form(path, {"password": "new-password-456", "confirm": "new-password-456"})
    assert done.status_code in (302, 303)
    again = await browser.post_form(path, {"password": "third-password-789", "confirm": "third-password-789"})
    assert again.status_code == 422
    assert "expired or was already used" in again.text
    assert (await other_browser.login("forgetful@example.com", "old-password-123")).status_code == 400
    assert (await other_browser.login("forgetful@example.com", "new-password-456")).status_code in (302, 303)


async def test_password_reset_for_an_unknown_address_reveals_nothing(browser, settings):
    response = await browser.post_form("/password/forgot", {"email": "ghost@example.com"})
    assert response.status_code == 200
    assert "If an account exists for ghost@example.com" in response.text
    assert not list(settings.mail_dir.glob("*.eml"))


async def test_a_suspended_user_cannot_log_in(browser, other_browser, db):
    await other_browser.register("suspended@example.com")
    user = await db.scalar(select(User).where(User.email == "suspended@example.com"))
    user.is_suspended = True
    await db.commit()
    response = await browser.login("suspended@example.com")
    assert response.status_code == 400
    assert "suspended" in response.text
    # The session that was open before the suspension no longer works either.
    assert (await other_browser.get("/manage")).status_code in (302, 303)
