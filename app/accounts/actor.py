"""Who is acting, and the one place organization-level permissions are decided."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.accounts.models import Role
from app.errors import LoginRequired, NotFound, PermissionDenied


@dataclass(frozen=True)
class OrgRef:
    id: uuid.UUID
    slug: str
    name: str
    role: Role


@dataclass(frozen=True)
class Actor:
    """A logged-in user (with their memberships) or an API token (acting as manager of one organization)."""

    user_id: uuid.UUID | None = None
    name: str = ""
    email: str = ""
    organizations: tuple[OrgRef, ...] = field(default_factory=tuple)
    via_api_token: bool = False
    email_verified: bool = False  # only a user whose address is confirmed may create (own) an organization

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.via_api_token

    @property
    def door_only(self) -> bool:
        """Door staff everywhere they belong: they scan, they do not manage."""
        return bool(self.organizations) and all(org.role == Role.DOOR for org in self.organizations)

    def is_user(self, user_id: uuid.UUID | None) -> bool:
        """Whether this actor is that user; an actor without a user id (API token, anonymous) is nobody."""
        return self.user_id is not None and self.user_id == user_id

    def role_in(self, organization_id: uuid.UUID) -> Role | None:
        return next((org.role for org in self.organizations if org.id == organization_id), None)

    def require(self, organization_id: uuid.UUID, minimum: Role, what: str = "Event") -> Role:
        """Someone not logged in is asked to (401 or the login page); non-members learn nothing (404, as if it did
        not exist); members without the role get 403."""
        self._require_login()
        role = self.role_in(organization_id)
        if role is None:
            raise NotFound(f"{what} not found.")
        if not role.at_least(minimum):
            raise PermissionDenied(f"Your role ({role.value}) cannot do this; ask an owner or manager.")
        return role

    def organization_by_slug(self, slug: str) -> OrgRef:
        org = next((org for org in self.organizations if org.slug == slug), None)
        if org is None:
            raise NotFound("Organization not found.")
        return org

    def organization_ids(self) -> list[uuid.UUID]:
        """The organizations an organizer lookup may search; LoginRequired for someone not logged in."""
        self._require_login()
        return [org.id for org in self.organizations]

    def _require_login(self) -> None:
        if not self.is_authenticated:
            raise LoginRequired("Log in (or send an API token) to continue.")


ANONYMOUS = Actor()
