"""Users: registration, authentication, password reset, and turning a session into an Actor."""

from __future__ import annotations

import uuid
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.accounts.actor import Actor, OrgRef
from app.accounts.models import Membership, Organization, PasswordResetToken, Role, User
from app.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_secret_token,
    token_digest,
    verify_password,
)
from app.config import Settings
from app.db import utcnow
from app.errors import DomainError, ValidationFailed
from app.mail.models import OutboundMail
from app.mail.service import queue_mail
from app.validation import FieldErrors


class InvalidCredentials(DomainError):
    status_code = 400


def _check_password(errors: FieldErrors, field_name: str, password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.add(field_name, f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    elif len(password) > 512:
        errors.add(field_name, "At most 512 characters.")
    elif email and password.lower() == email.lower():
        errors.add(field_name, "Your password cannot be your e-mail address.")


async def register(session: AsyncSession, *, email: str, name: str, password: str) -> User:
    errors = FieldErrors()
    email = errors.email("email", email)
    name = errors.text("name", name, max_length=200)
    _check_password(errors, "password", password, email)
    errors.raise_if_any()
    user = User(id=uuid.uuid4(), email=email, name=name, password_hash=hash_password(password))
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise ValidationFailed({"email": "An account with this e-mail already exists. Log in instead?"}) from exc
    return user


async def authenticate(
    session: AsyncSession, redis: Redis, settings: Settings, *, email: str, password: str, client_ip: str
) -> User:
    """Check a login; attempts are limited per client IP and e-mail (a success clears the count)."""
    email = (email or "").strip().lower()
    limit_key = f"login-attempts:{client_ip}:{email}"
    await ratelimit.count_attempt(
        redis,
        limit_key,
        limit=settings.login_attempts,
        window_seconds=settings.login_window_seconds,
        message="Too many login attempts for this account from your network.",
    )
    user = await session.scalar(select(User).where(User.email == email)) if email else None
    if not verify_password(user.password_hash if user else None, password or ""):
        raise InvalidCredentials("E-mail or password is not right.")
    assert user is not None
    if user.is_suspended:
        raise InvalidCredentials("This account is suspended. Contact the platform administrator.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        await session.commit()
    await ratelimit.reset(redis, limit_key)
    return user


async def load_actor(session: AsyncSession, user_id: uuid.UUID) -> Actor | None:
    """The user with their memberships, in one query (every authenticated request asks)."""
    rows = (
        await session.execute(
            select(
                User.id, User.name, User.email, Organization.id, Organization.slug, Organization.name, Membership.role
            )
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Organization, Organization.id == Membership.organization_id)
            .where(User.id == user_id, User.is_suspended.is_(False))
            .order_by(Organization.name)
        )
    ).all()
    if not rows:
        return None
    organizations = tuple(OrgRef(id=r[3], slug=r[4], name=r[5], role=Role(r[6])) for r in rows if r[3] is not None)
    return Actor(user_id=rows[0][0], name=rows[0][1], email=rows[0][2], organizations=organizations)


async def request_password_reset(session: AsyncSession, settings: Settings, *, email: str) -> OutboundMail | None:
    """Mail a reset link if the account exists; the caller says the same thing either way."""
    errors = FieldErrors()
    email = errors.email("email", email)
    errors.raise_if_any()
    user = await session.scalar(select(User).where(User.email == email, User.is_suspended.is_(False)))
    if user is None:
        return None
    token, digest = new_secret_token()
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=digest,
            expires_at=utcnow() + timedelta(minutes=settings.password_reset_minutes),
        )
    )
    mail = queue_mail(
        session,
        recipient=user.email,
        template="password_reset",
        name=user.name,
        link=f"{settings.base_url}/password/reset/{token}",
        minutes=settings.password_reset_minutes,
    )
    await session.commit()
    return mail


async def reset_password(session: AsyncSession, *, token: str, password: str, confirm: str) -> User:
    errors = FieldErrors()
    if password != confirm:
        errors.add("confirm", "The two passwords differ.")
    _check_password(errors, "password", password)
    errors.raise_if_any()
    # One conditional UPDATE consumes the token, so a link works exactly once even if submitted twice.
    user_id = await session.scalar(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.token_hash == token_digest(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
        .returning(PasswordResetToken.user_id)
    )
    if user_id is None:
        await session.rollback()
        raise ValidationFailed({"password": "This reset link has expired or was already used. Ask for a new one."})
    user = await session.get_one(User, user_id)
    user.password_hash = hash_password(password)
    await session.commit()
    return user


async def reset_token_is_usable(session: AsyncSession, token: str) -> bool:
    found = await session.scalar(
        select(PasswordResetToken.id).where(
            PasswordResetToken.token_hash == token_digest(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > utcnow(),
        )
    )
    return found is not None
