"""Public account pages: register, log in and out, password reset, and accepting an invitation."""

from __future__ import annotations

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import organizations, service
from app.accounts.actor import Actor
from app.accounts.dependencies import start_user_session
from app.config import Settings
from app.errors import ValidationFailed
from app.queue import nudge_mail_delivery
from app.web import client_ip, form_errors, page


def safe_next(target: str | None, default: str = "/manage") -> str:
    """Only same-site paths, so a login link cannot bounce the user to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


@get("/register")
async def register_form(actor: Actor, next: str | None = None) -> Template:
    return page("accounts/register.html", form={}, next=safe_next(next))


@post("/register")
async def register(request: Request, db: AsyncSession, actor: Actor) -> Template | Redirect:
    form = await request.form()
    next_url = safe_next(form.get("next"))
    try:
        user = await service.register(
            db, email=form.get("email", ""), name=form.get("name", ""), password=form.get("password", "")
        )
    except ValidationFailed as exc:
        return form_errors("accounts/register.html", exc, form=form, next=next_url)
    start_user_session(request, user.id)
    return Redirect(next_url)


@get("/login")
async def login_form(actor: Actor, next: str | None = None) -> Template:
    return page("accounts/login.html", form={}, next=safe_next(next))


@post("/login")
async def login(request: Request, db: AsyncSession, settings: Settings, actor: Actor) -> Template | Redirect:
    form = await request.form()
    next_url = safe_next(form.get("next"))
    try:
        user = await service.authenticate(
            db,
            request.app.state.redis,
            settings,
            email=form.get("email", ""),
            password=form.get("password", ""),
            client_ip=client_ip(request),
        )
    except service.InvalidCredentials as exc:
        return page("accounts/login.html", status_code=400, form=form, next=next_url, error_message=exc.message)
    start_user_session(request, user.id)
    return Redirect(next_url)


@post("/logout")
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect("/")


@get("/password/forgot")
async def forgot_form(actor: Actor) -> Template:
    return page("accounts/forgot.html", form={})


@post("/password/forgot")
async def forgot(request: Request, db: AsyncSession, settings: Settings, actor: Actor) -> Template:
    form = await request.form()
    try:
        mail = await service.request_password_reset(db, settings, email=form.get("email", ""))
    except ValidationFailed as exc:
        return form_errors("accounts/forgot.html", exc, form=form)
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
    start_user_session(request, user.id)
    return Redirect("/manage")


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
            invitation,
            accept_invitation,
        ],
    ),
]
