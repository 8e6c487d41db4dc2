"""Organizations: creation, members and invitations, API tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.accounts.actor import Actor, OrgRef
from app.accounts.models import ApiToken, Invitation, Membership, Organization, Role, User
from app.accounts.passwords import new_secret_token, token_digest
from app.accounts.verification import EmailNotVerified, mark_verified
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.mail.models import OutboundMail
from app.mail.service import queue_mail
from app.validation import FieldErrors, slugify

INVITATION_DAYS = 7
API_TOKEN_PREFIX = "usher_"  # noqa: S105 - a prefix, not a secret
# Path words under /manage/ that an organization slug must not shadow.
RESERVED_SLUGS = {"events", "organizations", "venues", "new"}


async def _unique_org_slug(session: AsyncSession, name: str) -> str:
    base = slugify(name, max_length=60)
    slug, n = base, 1
    if slug in RESERVED_SLUGS:
        slug = base = f"{base}-org"
    while await session.scalar(select(Organization.id).where(Organization.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


async def create_organization(session: AsyncSession, actor: Actor, *, name: str) -> Organization:
    if actor.user_id is None:
        raise PermissionDenied("Log in to create an organization.")
    if not actor.email_verified:
        raise EmailNotVerified(actor.email)
    errors = FieldErrors()
    name = errors.text("name", name, max_length=200)
    errors.raise_if_any()
    organization = Organization(id=uuid.uuid4(), name=name, slug=await _unique_org_slug(session, name))
    session.add(organization)
    session.add(Membership(organization_id=organization.id, user_id=actor.user_id, role=Role.OWNER))
    await session.commit()
    return organization


@dataclass(frozen=True)
class MemberRow:
    user_id: uuid.UUID
    name: str
    email: str
    role: Role


@dataclass(frozen=True)
class PendingInvitation:
    id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime


async def list_members(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID
) -> tuple[list[MemberRow], list[PendingInvitation]]:
    actor.require(organization_id, Role.DOOR, what="Organization")
    members = await session.execute(
        select(User.id, User.name, User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id)
        .order_by(User.name)
    )
    invitations = await session.scalars(
        select(Invitation)
        .where(
            Invitation.organization_id == organization_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    )
    return (
        [MemberRow(user_id=m.id, name=m.name, email=m.email, role=Role(m.role)) for m in members],
        [PendingInvitation(id=i.id, email=i.email, role=Role(i.role), expires_at=i.expires_at) for i in invitations],
    )


async def invite_member(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    actor: Actor,
    organization_id: uuid.UUID,
    *,
    email: str,
    role: str,
) -> OutboundMail:
    """Managers may invite door staff and managers; only owners may invite owners. Sending is rate limited per
    organization and per inviter (RateLimited), counted only for members, so outsiders cannot use up the quota."""
    my_role = actor.require(organization_id, Role.MANAGER, what="Organization")
    errors = FieldErrors()
    email = errors.email("email", email)
    if role not in {r.value for r in Role}:
        errors.add("role", "Choose owner, manager or door.")
    elif not my_role.at_least(Role(role)):
        errors.add("role", "You cannot invite someone with a higher role than yours.")
    errors.raise_if_any()
    already = await session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == organization_id, User.email == email)
    )
    if already:
        raise ValidationFailed({"email": "This person is already a member."})
    await _count_invitation(redis, settings, organization_id, actor)
    organization = await session.get_one(Organization, organization_id)
    token, digest = new_secret_token()
    session.add(
        Invitation(
            organization_id=organization_id,
            email=email,
            role=role,
            token_hash=digest,
            invited_by_id=actor.user_id,
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    mail = queue_mail(
        session,
        recipient=email,
        template="invitation",
        organization=organization.name,
        role=role,
        inviter=actor.name,
        link=f"{settings.base_url}/invitations/{token}",
        days=INVITATION_DAYS,
    )
    await session.commit()
    return mail


async def _count_invitation(redis: Redis, settings: Settings, organization_id: uuid.UUID, actor: Actor) -> None:
    """Invitations send mail to any address, so their number is capped (a spam relay otherwise)."""
    await ratelimit.count_attempts(
        redis,
        [
            ratelimit.Limit(
                f"invitations:org:{organization_id}",
                settings.invitation_rate_per_organization,
                "This organization has sent too many invitations lately.",
            ),
            ratelimit.Limit(
                f"invitations:user:{actor.user_id}",
                settings.invitation_rate_per_user,
                "You have sent too many invitations lately.",
            ),
        ],
        window_seconds=settings.invitation_rate_window_seconds,
    )


async def find_invitation(session: AsyncSession, token: str) -> tuple[Invitation, Organization]:
    row = (
        await session.execute(
            select(Invitation, Organization)
            .join(Organization, Organization.id == Invitation.organization_id)
            .where(Invitation.token_hash == token_digest(token))
        )
    ).first()
    if row is None:
        raise NotFound("This invitation does not exist.")
    invitation, organization = row
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.")
    if invitation.expires_at <= utcnow():
        raise Conflict("This invitation has expired; ask for a new one.")
    return invitation, organization


async def accept_invitation(session: AsyncSession, actor: Actor, token: str) -> Organization:
    """The invitation binds to the invited e-mail, so a forwarded link cannot be used by someone else."""
    if actor.user_id is None:
        raise PermissionDenied("Log in or register to accept the invitation.")
    invitation, organization = await find_invitation(session, token)
    if invitation.email != actor.email:
        raise PermissionDenied(
            f"This invitation was sent to {invitation.email}; log in with that address to accept it."
        )
    claimed = await session.scalar(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
        .returning(Invitation.id)
    )
    if claimed is None:
        await session.rollback()
        raise Conflict("This invitation was already accepted.")
    existing = await session.get(Membership, (organization.id, actor.user_id))
    if existing is None:
        session.add(Membership(organization_id=organization.id, user_id=actor.user_id, role=invitation.role))
    await mark_verified(session, actor.user_id)  # the invitation's link reached this very address
    await session.commit()
    return organization


async def withdraw_invitation(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, invitation_id: uuid.UUID
) -> str:
    """Take back an invitation not accepted yet: its link stops working. Returns the address it was sent to."""
    actor.require(organization_id, Role.MANAGER, what="Organization")
    email = await session.scalar(
        delete(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.organization_id == organization_id,
            Invitation.accepted_at.is_(None),
        )
        .returning(Invitation.email)
    )
    if email is None:
        raise NotFound("Invitation not found.")
    await session.commit()
    return email


async def remove_member(session: AsyncSession, actor: Actor, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    actor.require(organization_id, Role.OWNER, what="Organization")
    membership = await session.get(Membership, (organization_id, user_id), with_for_update=True)
    if membership is None:
        raise NotFound("Member not found.")
    if membership.role == Role.OWNER:
        owners = await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organization_id == organization_id, Membership.role == Role.OWNER)
        )
        if owners <= 1:
            raise Conflict("An organization needs at least one owner.")
    await session.delete(membership)
    await session.commit()


# Roles whose members may make API tokens; a token works only while its creator still has one of them.
TOKEN_MAKER_ROLES = [role.value for role in Role if role.at_least(Role.MANAGER)]


def _creator_vouches_for_token() -> ColumnElement[bool]:
    """True while the token's creator is an unsuspended owner or manager of the token's organization."""
    return (
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organization_id == ApiToken.organization_id,
            Membership.user_id == ApiToken.created_by_id,
            Membership.role.in_(TOKEN_MAKER_ROLES),
            User.is_suspended.is_(False),
        )
        .correlate(ApiToken)
        .exists()
    )


@dataclass(frozen=True)
class TokenRow:
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    created_by: str | None  # the creator's name; None once their account is deleted
    works: bool  # False once the creator left, lost the manager role or was suspended


async def list_api_tokens(session: AsyncSession, actor: Actor, organization_id: uuid.UUID) -> list[TokenRow]:
    actor.require(organization_id, Role.MANAGER, what="Organization")
    rows = await session.execute(
        select(ApiToken, User.name, _creator_vouches_for_token())
        .outerjoin(User, User.id == ApiToken.created_by_id)
        .where(ApiToken.organization_id == organization_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    )
    return [
        TokenRow(t.id, t.name, t.prefix, t.created_at, t.last_used_at, creator, works) for t, creator, works in rows
    ]


async def create_api_token(session: AsyncSession, actor: Actor, organization_id: uuid.UUID, *, name: str) -> str:
    """Returns the token; it is shown once and only its hash is kept."""
    actor.require(organization_id, Role.MANAGER, what="Organization")
    errors = FieldErrors()
    name = errors.text("name", name, max_length=100)
    errors.raise_if_any()
    secret, _ = new_secret_token()
    token = API_TOKEN_PREFIX + secret
    session.add(
        ApiToken(
            organization_id=organization_id,
            created_by_id=actor.user_id,
            name=name,
            token_hash=token_digest(token),
            prefix=token[:12],
        )
    )
    await session.commit()
    return token


async def revoke_api_token(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, token_id: uuid.UUID
) -> None:
    actor.require(organization_id, Role.MANAGER, what="Organization")
    revoked = await session.scalar(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.organization_id == organization_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .returning(ApiToken.id)
    )
    if revoked is None:
        raise NotFound("Token not found.")
    await session.commit()


async def actor_for_api_token(session: AsyncSession, token: str) -> Actor | None:
    """An API token acts as a manager of its one organization, while its creator may still make tokens there."""
    row = (
        await session.execute(
            select(ApiToken.id, Organization.id, Organization.slug, Organization.name)
            .join(Organization, Organization.id == ApiToken.organization_id)
            .where(
                ApiToken.token_hash == token_digest(token),
                ApiToken.revoked_at.is_(None),
                _creator_vouches_for_token(),
            )
        )
    ).first()
    if row is None:
        return None
    token_id, org_id, slug, name = row
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
    await session.commit()
    return Actor(
        organizations=(OrgRef(id=org_id, slug=slug, name=name, role=Role.MANAGER),),
        via_api_token=True,
        name=f"API token for {name}",
    )
