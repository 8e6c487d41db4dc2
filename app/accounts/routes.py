"""Account pages: register, log in/out, password reset, organizations, members, invitations and API tokens."""

from __future__ import annotations

import uuid

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import organizations, service
from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.errors import ValidationFailed
from app.queue import enqueue_nudge
from app.web import client_ip, form_errors, page, start_user_session


def safe_next(target: str | None, default: str = "/manage") -> str:
    """Only same-site paths, so a login link cannot bounce the user to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


async def nudge_mail(request: Request, mail_id: uuid.UUID) -> None:
    await enqueue_nudge(request.app.state.queue, "deliver_mail", mail_id=str(mail_id))


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
        await nudge_mail(request, mail.id)
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


@get("/manage")
async def dashboard(user: Actor) -> Template:
    return page("accounts/dashboard.html", form={})


@post("/manage/organizations")
async def create_organization(request: Request, db: AsyncSession, user: Actor) -> Template | Redirect:
    form = await request.form()
    try:
        organization = await organizations.create_organization(db, user, name=form.get("name", ""))
    except ValidationFailed as exc:
        return form_errors("accounts/dashboard.html", exc, form=form)
    return Redirect(f"/manage/{organization.slug}")


async def _members_page(db: AsyncSession, user: Actor, org_slug: str, status_code: int = 200, **extra) -> Template:
    org = user.organization_by_slug(org_slug)
    members, invitations = await organizations.list_members(db, user, org.id)
    return page(
        "accounts/members.html",
        status_code=status_code,
        org=org,
        members=members,
        invitations=invitations,
        roles=[r.value for r in Role],
        form=extra.pop("form", {}),
        **extra,
    )


@get("/manage/{org_slug:str}/members")
async def members(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    return await _members_page(db, user, org_slug)


@post("/manage/{org_slug:str}/members/invite")
async def invite(request: Request, db: AsyncSession, settings: Settings, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    form = await request.form()
    try:
        mail = await organizations.invite_member(
            db, settings, user, org.id, email=form.get("email", ""), role=form.get("role", "")
        )
    except ValidationFailed as exc:
        return await _members_page(db, user, org_slug, exc.status_code, form=form, errors=exc.errors)
    await nudge_mail(request, mail.id)
    return await _members_page(db, user, org_slug, notice=f"Invitation sent to {form.get('email', '').strip()}.")


@post("/manage/{org_slug:str}/members/{user_id:uuid}/remove")
async def remove_member(db: AsyncSession, user: Actor, org_slug: str, user_id: uuid.UUID) -> Redirect:
    org = user.organization_by_slug(org_slug)
    await organizations.remove_member(db, user, org.id, user_id)
    return Redirect(f"/manage/{org_slug}/members")


@get("/invitations/{token:str}")
async def invitation(db: AsyncSession, actor: Actor, token: str) -> Template:
    invitation, organization = await organizations.find_invitation(db, token)
    return page("accounts/invitation.html", invitation=invitation, organization=organization, token=token)


@post("/invitations/{token:str}/accept")
async def accept_invitation(db: AsyncSession, user: Actor, token: str) -> Redirect:
    organization = await organizations.accept_invitation(db, user, token)
    return Redirect(f"/manage/{organization.slug}")


async def _tokens_page(db: AsyncSession, user: Actor, org_slug: str, status_code: int = 200, **extra) -> Template:
    org = user.organization_by_slug(org_slug)
    tokens = await organizations.list_api_tokens(db, user, org.id)
    return page("accounts/tokens.html", status_code=status_code, org=org, tokens=tokens, **extra)


@get("/manage/{org_slug:str}/tokens")
async def tokens(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    return await _tokens_page(db, user, org_slug)


@post("/manage/{org_slug:str}/tokens")
async def create_token(request: Request, db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    form = await request.form()
    try:
        token = await organizations.create_api_token(db, user, org.id, name=form.get("name", ""))
    except ValidationFailed as exc:
        return await _tokens_page(db, user, org_slug, exc.status_code, errors=exc.errors)
    return await _tokens_page(db, user, org_slug, new_token=token)


@post("/manage/{org_slug:str}/tokens/{token_id:uuid}/revoke")
async def revoke_token(db: AsyncSession, user: Actor, org_slug: str, token_id: uuid.UUID) -> Template:
    org = user.organization_by_slug(org_slug)
    await organizations.revoke_api_token(db, user, org.id, token_id)
    return await _tokens_page(db, user, org_slug, notice="Token revoked.")


account_routes = [
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
            dashboard,
            create_organization,
            members,
            invite,
            remove_member,
            invitation,
            accept_invitation,
            tokens,
            create_token,
            revoke_token,
        ],
    ),
]
