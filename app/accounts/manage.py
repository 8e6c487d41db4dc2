"""Organizer account pages: the dashboard, organizations, members and invitations sent, API tokens."""

from __future__ import annotations

import uuid

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import organizations
from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.errors import RateLimited, ValidationFailed
from app.queue import nudge_mail_delivery
from app.web import form_errors, page


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


async def _members_page(
    db: AsyncSession, user: Actor, org_slug: str, status_code: int = 200, headers: dict[str, str] | None = None, **extra
) -> Template:
    org = user.organization_by_slug(org_slug)
    members, invitations = await organizations.list_members(db, user, org.id)
    return page(
        "accounts/members.html",
        status_code=status_code,
        headers=headers,
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
            db, request.app.state.redis, settings, user, org.id, email=form.get("email", ""), role=form.get("role", "")
        )
    except ValidationFailed as exc:
        return await _members_page(db, user, org_slug, exc.status_code, form=form, errors=exc.errors)
    except RateLimited as exc:
        return await _members_page(
            db,
            user,
            org_slug,
            exc.status_code,
            {"Retry-After": str(exc.retry_after)},
            form=form,
            errors={"email": exc.message},
        )
    await nudge_mail_delivery(request.app.state.queue, mail.id)
    return await _members_page(db, user, org_slug, notice=f"Invitation sent to {form.get('email', '').strip()}.")


@post("/manage/{org_slug:str}/invitations/{invitation_id:uuid}/withdraw")
async def withdraw_invitation(db: AsyncSession, user: Actor, org_slug: str, invitation_id: uuid.UUID) -> Template:
    org = user.organization_by_slug(org_slug)
    email = await organizations.withdraw_invitation(db, user, org.id, invitation_id)
    return await _members_page(
        db, user, org_slug, notice=f"The invitation to {email} is withdrawn; its link no longer works."
    )


@post("/manage/{org_slug:str}/members/{user_id:uuid}/remove")
async def remove_member(db: AsyncSession, user: Actor, org_slug: str, user_id: uuid.UUID) -> Redirect:
    org = user.organization_by_slug(org_slug)
    await organizations.remove_member(db, user, org.id, user_id)
    return Redirect(f"/manage/{org_slug}/members")


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


account_manage_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            dashboard,
            create_organization,
            members,
            invite,
            withdraw_invitation,
            remove_member,
            tokens,
            create_token,
            revoke_token,
        ],
    ),
]
