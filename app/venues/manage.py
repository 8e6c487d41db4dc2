"""Organizer pages for venues and their seat maps: venues, layout import, and the designer (the editor, saving
versions as JSON, preview with the attendee picker's renderer, export, duplicate, new layouts)."""

from __future__ import annotations

import json
import uuid

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.errors import ValidationFailed
from app.timeutil import all_timezones
from app.venues import designer, layouts, service
from app.venues.layouts import sample_names
from app.venues.render import render_layout, script_json
from app.venues.seatmap import MAX_BYTES, SeatMapInvalid, parse
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


async def _venue_page(db: AsyncSession, user: Actor, venue_id: uuid.UUID, status_code: int = 200, **extra) -> Template:
    """A venue's page: its details form and its seat maps; `extra` carries a form's values and errors."""
    venue = await service.get_venue(db, user, venue_id)
    org = next(o for o in user.organizations if o.id == venue.organization_id)
    return page(
        "venues/edit.html",
        status_code=status_code,
        org=org,
        venue=venue,
        timezones=all_timezones(),
        form=extra.pop("form", None) or {"name": venue.name, "address": venue.address, "timezone": venue.timezone},
        layouts=await designer.venue_layouts(db, user, venue.id),
        samples=layouts.sample_names(),
        **extra,
    )


@get("/manage/venues/{venue_id:uuid}")
async def edit_venue_form(db: AsyncSession, user: Actor, venue_id: uuid.UUID) -> Template:
    return await _venue_page(db, user, venue_id)


@post("/manage/venues/{venue_id:uuid}/layouts")
async def import_layout(request: Request, db: AsyncSession, user: Actor, venue_id: uuid.UUID) -> Template | Redirect:
    form = await request.form()
    upload = form.get("document")
    htmx = request.headers.get("hx-request") == "true"
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            document = await upload.read()
        else:
            document = layouts.sample_document(form.get("sample", ""))
        await layouts.import_layout(db, user, venue_id, name=form.get("name", ""), document=document)
    except ValidationFailed as exc:
        await db.rollback()
        if not htmx:
            return await _venue_page(db, user, venue_id, exc.status_code, layout_errors=exc.errors)
        return await _layouts_fragment(db, user, venue_id, exc.status_code, layout_errors=exc.errors)
    if not htmx:
        return Redirect(f"/manage/venues/{venue_id}#layouts", status_code=303)
    return await _layouts_fragment(db, user, venue_id, notice="Seat map saved. Choose it on a seated event's page.")


async def _layouts_fragment(db: AsyncSession, user: Actor, venue_id: uuid.UUID, status_code: int = 200, **extra):
    return page(
        "venues/_layouts.html",
        status_code=status_code,
        venue=await service.get_venue(db, user, venue_id),
        layouts=await designer.venue_layouts(db, user, venue_id),
        samples=layouts.sample_names(),
        **extra,
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
        return await _venue_page(db, user, venue_id, 422, form=form, errors=exc.errors, error_message=exc.message)
    org = next(o for o in user.organizations if o.id == venue.organization_id)
    return Redirect(f"/manage/{org.slug}/venues")


class SaveRequest(msgspec.Struct, forbid_unknown_fields=True):
    base_version: int
    document: msgspec.Raw


@get("/manage/layouts/{layout_id:uuid}/edit")
async def editor(db: AsyncSession, user: Actor, layout_id: uuid.UUID) -> Template:
    opened = await designer.open_layout(db, user, layout_id)
    return page(
        "venues/designer.html",
        layout=opened.layout,
        venue=opened.venue,
        version=opened.version,
        document=script_json(opened.document),
    )


@post("/manage/layouts/{layout_id:uuid}/versions", request_max_body_size=MAX_BYTES + 4096)
async def save(request: Request, db: AsyncSession, user: Actor, layout_id: uuid.UUID) -> Response:
    try:
        data = msgspec.json.decode(await request.body(), type=SaveRequest)
    except msgspec.DecodeError as exc:
        return Response({"detail": f"Malformed request: {exc}"}, status_code=400)
    try:
        version = await designer.save_version(
            db, user, layout_id, document=bytes(data.document), base_version=data.base_version
        )
    except designer.StaleVersion as exc:
        return Response({"detail": exc.message, "latest_version": exc.latest}, status_code=409)
    except designer.DesignInvalid as exc:
        problems = [{"path": p.path, "element": p.element, "message": p.message} for p in exc.problems[:500]]
        return Response({"detail": exc.message, "problems": problems}, status_code=422)
    return Response(
        {"version": version.version, "seats": version.seat_count, "standing": version.ga_capacity}, status_code=201
    )


@post("/manage/layouts/{layout_id:uuid}/preview", request_max_body_size=MAX_BYTES)
async def preview(request: Request, db: AsyncSession, user: Actor, layout_id: uuid.UUID) -> Template:
    await designer.open_layout(db, user, layout_id)  # authorization
    try:
        seatmap = parse(await request.body())
    except SeatMapInvalid as exc:
        return page("venues/_preview.html", status_code=422, problems=exc.problems[:50], rendered=None)
    return page("venues/_preview.html", rendered=render_layout(seatmap), problems=[])


@get("/manage/layouts/{layout_id:uuid}/export.json")
async def export(db: AsyncSession, user: Actor, layout_id: uuid.UUID) -> Response:
    opened = await designer.open_layout(db, user, layout_id)
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in opened.layout.name.lower())
    return Response(
        json.dumps(opened.document, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}-v{opened.version}.json"'},
    )


@post("/manage/layouts/{layout_id:uuid}/duplicate")
async def duplicate(db: AsyncSession, user: Actor, layout_id: uuid.UUID) -> Redirect:
    copy = await designer.duplicate_layout(db, user, layout_id)
    return Redirect(f"/manage/layouts/{copy.id}/edit", status_code=303)


@post("/manage/venues/{venue_id:uuid}/layouts/new")
async def new_layout(request: Request, db: AsyncSession, user: Actor, venue_id: uuid.UUID) -> Redirect | Template:
    form = await request.form()
    sample = form.get("start", "")
    try:
        layout = await designer.create_layout(
            db, user, venue_id, name=form.get("name", ""), sample=sample if sample in sample_names() else ""
        )
    except ValidationFailed as exc:
        await db.rollback()
        return await _venue_page(db, user, venue_id, exc.status_code, new_layout_errors=exc.errors)
    return Redirect(f"/manage/layouts/{layout.id}/edit", status_code=303)


venue_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            venues,
            create_venue,
            edit_venue_form,
            update_venue,
            import_layout,
            editor,
            save,
            preview,
            export,
            duplicate,
            new_layout,
        ],
    )
]
