"""Account pages: register, log in and out, password reset and change, confirming the e-mail address, and
accepting an invitation."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import organizations, service, verification
from app.accounts.actor import Actor
from app.accounts.dependencies import start_user_session
from app.accounts.models import User
from app.config import Settings
from app.errors import RateLimited, ValidationFailed
from app.queue import nudge_mail_delivery
from app.web import client_network, form_errors, page

# Logging out wipes what this browser keeps for the site: the scanner's offline ticket list (IndexedDB), the
# service worker and its cached pages.
CLEAR_SITE_DATA = '"cache", "storage"'


def safe_next(target: str | None, default: str = "/manage") -> str:
    """Only same-site paths, so a login link cannot bounce the user to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


async def landing_page(db: AsyncSession, user: User) -> str:
    """Where logging in leads without a `next`: door staff (members who may only scan) to the scanner with today's
    events, everyone else to the organizer area."""
    actor = await service.load_actor(db, user.id, session_epoch=user.sessions_valid_after)
    return "/scan" if actor and actor.door_only else "/manage"


def too_many(template_name: str, exc: RateLimited, **context: Any) -> Template:
    """The form again with how long to wait, as a 429 with Retry-After."""
    return page(
        template_name,
        status_code=exc.status_code,
        headers={"Retry-After": str(exc.retry_after)},
        error_message=exc.message,
        **context,
    )


@get("/register")
async def register_form(actor: Actor, next: str | None = None) -> Template:
    return page("accounts/register.html", form={}, next=safe_next(next))


@post("/register")
async def register(request: Request, db: AsyncSession, settings: Settings, actor: Actor) -> Template | Redirect:
    form = await request.form()
    next_url = safe_next(form.get("next"))
    try:
        user, mail = await service.register(
            db,
            request.app.state.redis,
            settings,
            email=form.get("email", ""),
            name=form.get("name", ""),
            password=form.get("password", ""),
            client_ip=client_network(request),
        )
    except ValidationFailed as exc:
        return form_errors("accounts/register.html", exc, form=form, next=next_url)
    except RateLimited as exc:
        return too_many("accounts/register.html", exc, form=form, next=next_url)
    await nudge_mail_delivery(request.app.state.queue, mail.id)
    start_user_session(request, user)
    return Redirect(next_url)


@get("/login")
async def login_form(actor: Actor, next: str | None = None) -> Template:
    return page("accounts/login.html", form={}, next=safe_next(next, default=""))


@post("/login")
async def login(request: Request, db: AsyncSession, settings: Settings, actor: Actor) -> Template | Redirect:
    form = await request.form()
    next_url = safe_next(form.get("next"), default="")  # none: where the user's roles lead (landing_page)
    try:
        user = await service.authenticate(
            db,
            request.app.state.redis,
            settings,
            email=form.get("email", ""),
            password=form.get("password", ""),
            client_ip=client_network(request),
        )
    except service.InvalidCredentials as exc:
        return page("accounts/login.html", status_code=400, form=form, next=next_url, error_message=exc.message)
    except RateLimited as exc:
        return too_many("accounts/login.html", exc, form=form, next=next_url)
    start_user_session(request, user)
    return Redirect(next_url or await landing_page(db, user))


@post("/logout")
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect("/", headers={"Clear-Site-Data": CLEAR_SITE_DATA})


@get("/password/forgot")
async def forgot_form(actor: Actor) -> Template:
    return page("accounts/forgot.html", form={})


@post("/password/forgot")
async def forgot(request: Request, db: AsyncSession, settings: Settings, actor: Actor) -> Template:
    form = await request.form()
    try:
        mail = await service.request_password_reset(
            db, request.app.state.redis, settings, email=form.get("email", ""), client_ip=client_network(request)
        )
    except ValidationFailed as exc:
        return form_errors("accounts/forgot.html", exc, form=form)
    except RateLimited as exc:
        return too_many("accounts/forgot.html", exc, form=form)
    if mail is not None:
        await nudge_mail_delivery(request.app.state.queue, mail.id)
    return page("accounts/forgot.html", form={}, sent_to=form.get("email", "").strip())


@get("/password/reset/{token:str}")
async def reset_form(db: AsyncSession, actor: Actor, token: str) -> Template:
    usable = await service.reset_token_is_usable(db, token)
    return page("accounts/reset.html", status_code=200 if usable else 410, token=token, usable=usable)


@post("/password/reset/{token:str}")
async def reset(request: Request, db: AsyncSession, actor: Actor, token: str) -> Template | Redirect:
    form = await request.form()
    try:
        user = await service.reset_password(
            db, token=token, password=form.get("password", ""), confirm=form.get("confirm", "")
        )
    except ValidationFailed as exc:
        return form_errors("accounts/reset.html", exc, token=token, usable=True)
    start_user_session(request, user)  # every other session of the user has ended
    return Redirect("/manage")


@get("/account/password")
async def password_form(user: Actor) -> Template:
    return page("accounts/password.html")


@post("/account/password")
async def change_password(request: Request, db: AsyncSession, settings: Settings, user: Actor) -> Template:
    form = await request.form()
    try:
        changed = await service.change_password(
            db,
            request.app.state.redis,
            settings,
            user,
            current=form.get("current", ""),
            password=form.get("password", ""),
            confirm=form.get("confirm", ""),
        )
    except ValidationFailed as exc:
        return form_errors("accounts/password.html", exc)
    except RateLimited as exc:
        return too_many("accounts/password.html", exc)
    start_user_session(request, changed)  # this browser stays logged in; every other session has ended
    return page("accounts/password.html", notice="Password changed. Every other session of yours was logged out.")


@get("/account/verify/{token:str}")
async def verify_email(db: AsyncSession, settings: Settings, actor: Actor, token: str) -> Template:
    try:
        await verification.verify_email(db, settings, token)
    except verification.VerificationLinkInvalid as exc:
        return page("accounts/verified.html", status_code=exc.status_code, error_message=exc.message)
    return page("accounts/verified.html")


@post("/account/verify/resend")
async def resend_verification(request: Request, db: AsyncSession, settings: Settings, user: Actor) -> Template:
    try:
        mail = await verification.resend_verification(db, request.app.state.redis, settings, user)
    except RateLimited as exc:
        return too_many("accounts/dashboard.html", exc, form={})
    if mail is None:
        return page("accounts/dashboard.html", form={}, notice="Your e-mail address is already confirmed.")
    await nudge_mail_delivery(request.app.state.queue, mail.id)
    return page("accounts/dashboard.html", form={}, notice=f"We sent a new confirmation link to {user.email}.")


# --- organizations -----------------------------------------------------------------------------------------


@get("/invitations/{token:str}")
async def invitation(db: AsyncSession, actor: Actor, token: str) -> Template:
    invitation, organization = await organizations.find_invitation(db, token)
    return page("accounts/invitation.html", invitation=invitation, organization=organization, token=token)


@post("/invitations/{token:str}/accept")
async def accept_invitation(db: AsyncSession, user: Actor, token: str) -> Redirect:
    organization = await organizations.accept_invitation(db, user, token)
    return Redirect(f"/manage/{organization.slug}")


account_page_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            register_form,
            register,
            login_form,
            login,
            logout,
            forgot_form,
            forgot,
            reset_form,
            reset,
            password_form,
            change_password,
            verify_email,
            resend_verification,
            invitation,
            accept_invitation,
        ],
    ),
]
