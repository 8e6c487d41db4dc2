"""Who is acting, and the one place organization-level permissions are decided."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.accounts.models import Role
from app.errors import NotFound, PermissionDenied


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

    def role_in(self, organization_id: uuid.UUID) -> Role | None:
        return next((org.role for org in self.organizations if org.id == organization_id), None)

    def require(self, organization_id: uuid.UUID, minimum: Role, what: str = "Event") -> Role:
        """Non-members learn nothing (404, as if it did not exist); members without the role get 403."""
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
        return [org.id for org in self.organizations]


ANONYMOUS = Actor()
