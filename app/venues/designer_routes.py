"""The venue designer pages: the editor, saving versions (JSON from the editor), preview with the attendee
picker's renderer, export, duplicate, new layouts."""

from __future__ import annotations

import json
import uuid

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.errors import ValidationFailed
from app.seating.render import render_layout, script_json
from app.venues import designer
from app.venues.layouts import sample_names
from app.venues.seatmap import MAX_BYTES, SeatMapInvalid, parse
from app.web import page


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
        return Redirect(
            f"/manage/venues/{venue_id}?layout_error={exc.errors.get('name', exc.message)}", status_code=303
        )
    return Redirect(f"/manage/layouts/{layout.id}/edit", status_code=303)


designer_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[editor, save, preview, export, duplicate, new_layout],
    )
]
