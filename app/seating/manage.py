"""Organizer pages for an event's seat inventory: what is available, held, sold and blocked, and blocking or
unblocking seats (house seats, sight-line kills) on the map."""

from __future__ import annotations

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.events.service import get_event_for
from app.seating import actions, inventory
from app.seating.availability import area_states
from app.seating.snapshots import snapshot_payload
from app.venues.render import rendered_map_for, script_json
from app.web import page


async def _inventory_page(
    db: AsyncSession, settings: Settings, user: Actor, event: Event, status_code: int = 200, **extra
) -> Template:
    if event.layout_version_id is None or not await inventory.has_inventory(db, event.id):
        raise NotFound("This event has no seat inventory yet: it is created when a seated event is published.")
    rendered = await rendered_map_for(db, event.layout_version_id)
    names = {c["key"]: c["name"] for c in rendered.categories}
    standing = await area_states(db, event.id)
    return page(
        "seating/manage.html",
        status_code=status_code,
        event=event,
        rendered=rendered,
        category_names=names,
        counts=await inventory.inventory_counts(db, event.id),
        standing=standing,
        blocked=await inventory.blocked_seats(db, event.id),
        snapshot=script_json(await snapshot_payload(db, settings.secret_key, event.id, standing)),
        can_block=user.role_in(event.organization_id).at_least(Role.MANAGER),
        **extra,
    )


@get("/manage/events/{slug:str}/seats")
async def inventory_page(db: AsyncSession, settings: Settings, user: Actor, slug: str) -> Template:
    event = await get_event_for(db, user, slug)
    return await _inventory_page(db, settings, user, event)


@post("/manage/events/{slug:str}/seats/blocks")
async def change_blocks(
    request: Request, db: AsyncSession, settings: Settings, user: Actor, slug: str
) -> Template | Redirect:
    form = await request.form()
    keys = [k for k in form.getall("seat", []) if k]
    blocking = form.get("action") != "unblock"
    try:
        changes = await actions.block(db, request.app.state.redis, user, slug, keys, blocked=blocking)
    except DomainError as exc:
        await db.rollback()
        event = await get_event_for(db, user, slug, Role.MANAGER)
        return await _inventory_page(db, settings, user, event, exc.status_code, problem=exc.message, selected=keys)
    verb = "blocked" if blocking else "unblocked"
    return Redirect(f"/manage/events/{slug}/seats?{verb}={len(changes)}")


seating_manage_routes = [Router(path="/", include_in_schema=False, route_handlers=[inventory_page, change_blocks])]
