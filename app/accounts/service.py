"""Users: registration, authentication, password reset and change, and turning a session into an Actor.

A changed or reset password moves the user's session epoch (users.sessions_valid_after) to now: every session
started before it is void, and the caller starts a fresh one for the person who changed it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, or_, select, update
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
from app.accounts.verification import queue_verification_mail
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


def _typed_email(email: str) -> str:
    """The address as a rate-limit key: what was typed, trimmed and lower-cased (valid or not)."""
    return (email or "").strip().lower()[:320]


async def register(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    *,
    email: str,
    name: str,
    password: str,
    client_ip: str,
) -> tuple[User, OutboundMail]:
    """A new user with an unconfirmed address, and the mail that confirms it (same transaction). Attempts are
    limited per client IP and per address (RateLimited), counted before anything else."""
    await ratelimit.count_attempts(
        redis,
        [
            ratelimit.Limit(
                f"register:ip:{client_ip}", settings.register_rate_per_ip, "Too many sign-ups from your network."
            ),
            ratelimit.Limit(
                f"register:email:{_typed_email(email)}",
                settings.register_rate_per_email,
                "Too many sign-ups with this e-mail address.",
            ),
        ],
        window_seconds=settings.account_rate_window_seconds,
    )
    errors = FieldErrors()
    email = errors.email("email", email)
    name = errors.text("name", name, max_length=200)
    _check_password(errors, "password", password, email)
    errors.raise_if_any()
    user = User(id=uuid.uuid4(), email=email, name=name, password_hash=hash_password(password))
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise ValidationFailed({"email": "An account with this e-mail already exists. Log in instead?"}) from exc
    mail = queue_verification_mail(session, settings, user)
    await session.commit()
    return user, mail


async def authenticate(
    session: AsyncSession, redis: Redis, settings: Settings, *, email: str, password: str, client_ip: str
) -> User:
    """Check a login; attempts are limited per client network and e-mail (a success clears the count), and per
    e-mail from every network together, so rotating addresses does not buy more guesses."""
    email = (email or "").strip().lower()
    limit_key = f"login-attempts:{client_ip}:{email}"
    account_key = f"login-attempts:account:{email}"
    await ratelimit.count_attempts(
        redis,
        [
            ratelimit.Limit(
                limit_key, settings.login_attempts, "Too many login attempts for this account from your network."
            ),
            ratelimit.Limit(account_key, settings.login_rate_per_account, "Too many login attempts for this account."),
        ],
        window_seconds=settings.login_window_seconds,
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
    await ratelimit.forgive(redis, account_key)  # only failures add up against the account
    return user


async def load_actor(session: AsyncSession, user_id: uuid.UUID, *, session_epoch: datetime | None) -> Actor | None:
    """The user with their memberships, in one query (every authenticated request asks). None when the user is
    gone or suspended, or the session was started under an older epoch (the password changed since)."""
    current = User.sessions_valid_after.is_(None)
    if session_epoch is not None:
        current = or_(current, User.sessions_valid_after <= session_epoch)
    rows = (
        await session.execute(
            select(
                User.id,
                User.name,
                User.email,
                User.email_verified_at,
                Organization.id,
                Organization.slug,
                Organization.name,
                Membership.role,
            )
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Organization, Organization.id == Membership.organization_id)
            .where(
                User.id == user_id,
                User.is_suspended.is_(False),
                current,
            )
            .order_by(Organization.name)
        )
    ).all()
    if not rows:
        return None
    organizations = tuple(OrgRef(id=r[4], slug=r[5], name=r[6], role=Role(r[7])) for r in rows if r[4] is not None)
    first = rows[0]
    return Actor(
        user_id=first[0],
        name=first[1],
        email=first[2],
        email_verified=first[3] is not None,
        organizations=organizations,
    )


async def request_password_reset(
    session: AsyncSession, redis: Redis, settings: Settings, *, email: str, client_ip: str
) -> OutboundMail | None:
    """Mail a reset link if the account exists; the caller says the same thing either way. Requests are limited
    per client IP and per address (RateLimited), so nobody can flood a mailbox through us."""
    await ratelimit.count_attempts(
        redis,
        [
            ratelimit.Limit(
                f"password-reset:ip:{client_ip}",
                settings.password_reset_rate_per_ip,
                "Too many password reset requests from your network.",
            ),
            ratelimit.Limit(
                f"password-reset:email:{_typed_email(email)}",
                settings.password_reset_rate_per_email,
                "Too many password reset requests for this address.",
            ),
        ],
        window_seconds=settings.account_rate_window_seconds,
    )
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


async def _end_other_sessions(session: AsyncSession, user: User) -> None:
    """Void every session of the user and every unused reset link (in the caller's transaction)."""
    user.sessions_valid_after = await session.scalar(select(func.now()))
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=func.now())
    )


async def reset_password(session: AsyncSession, *, token: str, password: str, confirm: str) -> User:
    """A new password through a mailed link; every session of the user ends (the caller starts one under the
    user's new sessions_valid_after). The link works once. Commits."""
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
    user = await session.get_one(User, user_id, with_for_update=True)
    user.password_hash = hash_password(password)
    await _end_other_sessions(session, user)
    await session.commit()
    return user


async def change_password(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    actor: Actor,
    *,
    current: str,
    password: str,
    confirm: str,
) -> User:
    """A logged-in user's new password, given the current one; every session of the user ends (the caller renews
    its own under the user's new sessions_valid_after). Attempts are limited per user like logins. Commits."""
    limit_key = f"password-change:{actor.user_id}"
    await ratelimit.count_attempt(
        redis,
        limit_key,
        limit=settings.login_attempts,
        window_seconds=settings.login_window_seconds,
        message="Too many attempts to change your password.",
    )
    user = await session.get_one(User, actor.user_id, with_for_update=True)
    errors = FieldErrors()
    if not verify_password(user.password_hash, current or ""):
        errors.add("current", "This is not your current password.")
    if password != confirm:
        errors.add("confirm", "The two passwords differ.")
    _check_password(errors, "password", password, user.email)
    if not errors.errors and password == current:
        errors.add("password", "Choose a password different from the current one.")
    if errors.errors:
        await session.rollback()
        errors.raise_if_any()
    user.password_hash = hash_password(password)
    await _end_other_sessions(session, user)
    await session.commit()
    await ratelimit.reset(redis, limit_key)
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
