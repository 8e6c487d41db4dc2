"""Confirming that a user owns their e-mail address: the link mailed at registration (and again on request), and
the rule that only a confirmed address may own an organization.

The link carries the user id, the address and an expiry, signed with SECRET_KEY: nothing is stored, and opening
it twice is harmless (the first time counts)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import ratelimit
from app.accounts.actor import Actor
from app.accounts.models import User
from app.config import Settings
from app.db import utcnow
from app.errors import DomainError, PermissionDenied
from app.mail.models import OutboundMail
from app.mail.service import queue_mail

VERIFICATION_DAYS = 7


class EmailNotVerified(PermissionDenied):
    def __init__(self, email: str) -> None:
        super().__init__(
            f"Confirm your e-mail address first: open the link we sent to {email}. "
            "On your dashboard you can have it sent again."
        )


class VerificationLinkInvalid(DomainError):
    status_code = 410


def _signature(secret_key: str, user_id: uuid.UUID, email: str, expires: int) -> str:
    message = f"usher-verify-email:{user_id.hex}:{email}:{expires}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def verification_link(settings: Settings, user: User) -> str:
    expires = int((utcnow() + timedelta(days=VERIFICATION_DAYS)).timestamp())
    signature = _signature(settings.secret_key, user.id, user.email, expires)
    return f"{settings.base_url}/account/verify/{user.id.hex}.{expires}.{signature}"


def queue_verification_mail(session: AsyncSession, settings: Settings, user: User) -> OutboundMail:
    """The confirmation mail, in the caller's transaction."""
    return queue_mail(
        session,
        recipient=user.email,
        template="verify_email",
        name=user.name,
        link=verification_link(settings, user),
        days=VERIFICATION_DAYS,
    )


async def mark_verified(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Record that the address works (the first confirmation counts); in the caller's transaction."""
    await session.execute(
        update(User).where(User.id == user_id, User.email_verified_at.is_(None)).values(email_verified_at=func.now())
    )


async def verify_email(session: AsyncSession, settings: Settings, token: str) -> User:
    """Confirm the address a mailed link was sent to. Safe to repeat; commits. VerificationLinkInvalid when the link
    is altered, expired, or the account's address is no longer the one it was sent to."""
    user_hex, _, rest = token.partition(".")
    expires_text, _, signature = rest.partition(".")
    try:
        user_id, expires = uuid.UUID(hex=user_hex), int(expires_text)
    except ValueError:
        user_id, expires = None, 0
    user = await session.get(User, user_id) if user_id else None
    genuine = user is not None and hmac.compare_digest(
        _signature(settings.secret_key, user.id, user.email, expires).encode(), signature.encode()
    )
    if not genuine or expires < utcnow().timestamp():
        raise VerificationLinkInvalid(
            "This confirmation link is not valid or has expired. Log in and ask for a new one on your dashboard."
        )
    await mark_verified(session, user.id)
    await session.commit()
    return user


async def resend_verification(
    session: AsyncSession, redis: Redis, settings: Settings, actor: Actor
) -> OutboundMail | None:
    """Mail the confirmation link again (rate limited per user: RateLimited); None when already confirmed.
    Commits."""
    await ratelimit.count_attempt(
        redis,
        f"verify-mail:{actor.user_id}",
        limit=settings.verification_mail_rate_per_user,
        window_seconds=settings.account_rate_window_seconds,
        message="We have sent the confirmation link several times already.",
    )
    user = await session.scalar(select(User).where(User.id == actor.user_id, User.email_verified_at.is_(None)))
    if user is None:
        return None
    mail = queue_verification_mail(session, settings, user)
    await session.commit()
    return mail
