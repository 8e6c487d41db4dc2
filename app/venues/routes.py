"""Organizer pages for venues."""

from __future__ import annotations

import uuid

from litestar import Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.errors import ValidationFailed
from app.timeutil import all_timezones
from app.venues import designer, layouts, service
from app.web import page


async def _venues_page(db: AsyncSession, user: Actor, org_slug: str, status_code: int = 200, **extra) -> Template:
    org = user.organization_by_slug(org_slug)
    venues = await service.list_venues(db, user, org.id)
    return page(
        "venues/list.html",
        status_code=status_code,
        org=org,
        venues=venues,
        timezones=all_timezones(),
        form=extra.pop("form", {"timezone": "Europe/Berlin"}),
        **extra,
    )


@get("/manage/{org_slug:str}/venues")
async def venues(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    return await _venues_page(db, user, org_slug)


@post("/manage/{org_slug:str}/venues")
async def create_venue(request: Request, db: AsyncSession, user: Actor, org_slug: str) -> Template | Redirect:
    org = user.organization_by_slug(org_slug)
    form = await request.form()
    try:
        await service.create_venue(
            db,
            user,
            org.id,
            name=form.get("name", ""),
            address=form.get("address", ""),
            timezone=form.get("timezone", ""),
        )
    except ValidationFailed as exc:
        return await _venues_page(db, user, org_slug, exc.status_code, form=form, errors=exc.errors)
    return Redirect(f"/manage/{org_slug}/venues")


@get("/manage/venues/{venue_id:uuid}")
async def edit_venue_form(db: AsyncSession, user: Actor, venue_id: uuid.UUID) -> Template:
    venue = await service.get_venue(db, user, venue_id)
    org = next(o for o in user.organizations if o.id == venue.organization_id)
    return page(
        "venues/edit.html",
        org=org,
        venue=venue,
        timezones=all_timezones(),
        form={"name": venue.name, "address": venue.address, "timezone": venue.timezone},
        layouts=await designer.venue_layouts(db, user, venue.id),
        samples=layouts.sample_names(),
    )


@post("/manage/venues/{venue_id:uuid}/layouts")
async def import_layout(request: Request, db: AsyncSession, user: Actor, venue_id: uuid.UUID) -> Template:
    form = await request.form()
    upload = form.get("document")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            document = await upload.read()
        else:
            document = layouts.sample_document(form.get("sample", ""))
        await layouts.import_layout(db, user, venue_id, name=form.get("name", ""), document=document)
        notice, errors, status_code = "Seat map saved. Choose it on a seated event's page.", None, 200
    except ValidationFailed as exc:
        await db.rollback()
        notice, errors, status_code = None, exc.errors, exc.status_code
    venue = await service.get_venue(db, user, venue_id)
    return page(
        "venues/_layouts.html",
        status_code=status_code,
        venue=venue,
        notice=notice,
        errors=errors,
        layouts=await designer.venue_layouts(db, user, venue_id),
        samples=layouts.sample_names(),
    )


@post("/manage/venues/{venue_id:uuid}")
async def update_venue(request: Request, db: AsyncSession, user: Actor, venue_id: uuid.UUID) -> Template | Redirect:
    form = await request.form()
    try:
        venue = await service.update_venue(
            db,
            user,
            venue_id,
            name=form.get("name", ""),
            address=form.get("address", ""),
            timezone=form.get("timezone", ""),
        )
    except ValidationFailed as exc:
        await db.rollback()
        venue = await service.get_venue(db, user, venue_id)
        org = next(o for o in user.organizations if o.id == venue.organization_id)
        return page(
            "venues/edit.html",
            status_code=422,
            org=org,
            venue=venue,
            timezones=all_timezones(),
            form=form,
            errors=exc.errors,
            layouts=await designer.venue_layouts(db, user, venue.id),
            samples=layouts.sample_names(),
        )
    org = next(o for o in user.organizations if o.id == venue.organization_id)
    return Redirect(f"/manage/{org.slug}/venues")


venue_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[venues, create_venue, edit_venue_form, update_venue, import_layout],
    )
]
