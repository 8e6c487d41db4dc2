"""Request-scoped helpers of accounts: who is asking (session cookie or API token) and the session cookie itself,
which is replaced at login so a planted cookie (session fixation) is worthless."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import ANONYMOUS, Actor
from app.accounts.models import User
from app.accounts.organizations import actor_for_api_token
from app.accounts.service import load_actor
from app.errors import LoginRequired

ROTATE_SESSION = "usher.rotate_session"
SESSION_USER = "user_id"
SESSION_EPOCH = "epoch"  # the user's sessions_valid_after when the session began; a newer one voids the session


class RotatingSessionBackend(ServerSideSessionBackend):
    """Issues a fresh session id at login so a planted cookie (session fixation) is worthless."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        if connection.scope.get(ROTATE_SESSION):
            new_id = connection.scope.get("usher.new_session_id")
            if new_id is None:
                new_id = connection.scope["usher.new_session_id"] = self.generate_session_id()  # type: ignore[typeddict-unknown-key]
            return new_id
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Message, connection: ASGIConnection) -> None:
        old_id = connection.cookies.get(self.config.key)
        if connection.scope.get(ROTATE_SESSION) and old_id and old_id != "null":
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class UsherSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def start_user_session(request: Request, user: User) -> None:
    request.scope[ROTATE_SESSION] = True  # type: ignore[typeddict-unknown-key]
    epoch = user.sessions_valid_after.isoformat() if user.sessions_valid_after else None
    request.set_session({SESSION_USER: str(user.id), SESSION_EPOCH: epoch})


def _session_epoch(request: Request) -> datetime | None:
    raw = request.session.get(SESSION_EPOCH)
    return datetime.fromisoformat(raw) if raw else None


async def provide_actor(request: Request, db: AsyncSession) -> Actor:
    """Bearer API token, else the session's user, else anonymous; kept on request.state for templates."""
    actor = ANONYMOUS
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        found = await actor_for_api_token(db, token.strip()) if scheme.lower() == "bearer" and token else None
        if found is None:
            raise NotAuthorizedException("Invalid or revoked API token.")
        actor = found
    elif "session" in request.scope and (user_id := request.session.get(SESSION_USER)):
        try:
            actor = await load_actor(db, uuid.UUID(user_id), session_epoch=_session_epoch(request)) or ANONYMOUS
        except ValueError:
            actor = ANONYMOUS
        if actor is ANONYMOUS:
            request.clear_session()
    request.state.actor = actor
    return actor


async def provide_user(request: Request, actor: Actor) -> Actor:
    if actor.user_id is None:
        raise LoginRequired("Please log in to continue.")
    return actor
