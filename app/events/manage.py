"""Organizer pages for events (create, edit, publish/unpublish/cancel, price tiers, the cover image) and for
series of dates (create weekly or from a list, add and cancel dates, publish, apply the template)."""

from __future__ import annotations

import uuid

from litestar import Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.config import Settings
from app.errors import ValidationFailed
from app.events import covers, forms, series, series_forms, series_public, series_template, service
from app.events.models import Category, Event, EventStatus
from app.money import CURRENCIES
from app.timeutil import all_timezones, input_value
from app.venues.layouts import layout_choices
from app.venues.service import list_venues
from app.web import page


async def _event_form_context(db: AsyncSession, user: Actor, organization_id: uuid.UUID) -> dict:
    return {
        "venues": await list_venues(db, user, organization_id),
        "layouts": await layout_choices(db, user, organization_id),
        "categories": [c.value for c in Category],
        "timezones": all_timezones(),
    }


def _event_form_values(event: Event) -> dict[str, str]:
    return {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "category": event.category,
        "tags": ", ".join(event.tags),
        "timezone": event.timezone,
        "venue_id": str(event.venue_id) if event.venue_id else "",
        "online_url": event.online_url or "",
        "layout_version_id": str(event.layout_version_id) if event.layout_version_id else "",
        **{
            name: input_value(getattr(event, name), event.timezone)
            for name in ("starts_at", "ends_at", "sales_start_at", "sales_end_at")
        },
    }


@get("/manage/{org_slug:str}")
async def organization_home(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    events = await service.list_organization_events(db, user, org.id)
    return page("events/manage_list.html", org=org, events=events)


@get("/manage/{org_slug:str}/events/new")
async def new_event_form(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    user.require(org.id, Role.MANAGER, what="Organization")
    context = await _event_form_context(db, user, org.id)
    default_tz = context["venues"][0].timezone if context["venues"] else "Europe/Berlin"
    return page("events/event_form.html", org=org, event=None, form={"timezone": default_tz}, **context)


@post("/manage/{org_slug:str}/events/new")
async def create_event(request: Request, db: AsyncSession, user: Actor, org_slug: str) -> Template | Redirect:
    org = user.organization_by_slug(org_slug)
    form = await request.form()
    try:
        event = await service.create_event(db, user, org.id, forms.event_input(form))
    except ValidationFailed as exc:
        return page(
            "events/event_form.html",
            status_code=422,
            org=org,
            event=None,
            form=form,
            errors=exc.errors,
            error_message=exc.message,
            **await _event_form_context(db, user, org.id),
        )
    return Redirect(f"/manage/events/{event.slug}")


async def _event_page(db: AsyncSession, user: Actor, event: Event, status_code: int = 200, **extra) -> Template:
    org = next(o for o in user.organizations if o.id == event.organization_id)
    context = await _event_form_context(db, user, org.id)
    return page(
        "events/event_manage.html",
        status_code=status_code,
        org=org,
        event=event,
        form=extra.pop("form", None) or _event_form_values(event),
        problems=await service.publish_problems(db, event),
        currencies=CURRENCIES,
        can_edit=user.role_in(org.id).at_least(Role.MANAGER),
        **context,
        **extra,
    )


@get("/manage/events/{slug:str}")
async def manage_event(db: AsyncSession, user: Actor, slug: str) -> Template:
    event = await service.get_event_for(db, user, slug)
    return await _event_page(db, user, event)


@post("/manage/events/{slug:str}")
async def update_event(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        event = await service.update_event(db, user, slug, forms.event_input(form))
    except ValidationFailed as exc:
        await db.rollback()
        event = await service.get_event_for(db, user, slug)
        return await _event_page(db, user, event, 422, form=form, errors=exc.errors, error_message=exc.message)
    return Redirect(f"/manage/events/{event.slug}?saved=1")


@post("/manage/events/{slug:str}/status")
async def change_status(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template:
    form = await request.form()
    try:
        target = EventStatus(form.get("status", ""))
    except ValueError:
        raise ValidationFailed({"status": "Choose draft, published or cancelled."}) from None
    event = await service.set_status(db, user, slug, target)
    return page("events/_status.html", event=event, problems=await service.publish_problems(db, event), can_edit=True)


def _tiers_fragment(event: Event, status_code: int = 200, **extra) -> Template:
    return page(
        "events/_tiers.html",
        status_code=status_code,
        event=event,
        currencies=CURRENCIES,
        can_edit=True,
        tier_form=extra.pop("form", {}),
        tier_errors=extra.pop("errors", None),
        **extra,
    )


@post("/manage/events/{slug:str}/tiers")
async def add_tier(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template:
    form = await request.form()
    try:
        await service.add_tier(db, user, slug, forms.tier_input(form))
    except ValidationFailed as exc:
        await db.rollback()
        event = await service.get_event_for(db, user, slug, Role.MANAGER)
        return _tiers_fragment(event, 422, form=form, errors=exc.errors)
    return _tiers_fragment(await service.get_event_for(db, user, slug))


@get("/manage/events/{slug:str}/tiers/{tier_id:uuid}/edit")
async def edit_tier_form(db: AsyncSession, user: Actor, slug: str, tier_id: uuid.UUID) -> Template:
    event = await service.get_event_for(db, user, slug, Role.MANAGER)
    tier = next((t for t in event.tiers if t.id == tier_id), None)
    if tier is None:
        raise ValidationFailed({"tier": "Price tier not found."})
    return page("events/_tier_edit.html", event=event, tier=tier, currencies=CURRENCIES, form=None)


@post("/manage/events/{slug:str}/tiers/{tier_id:uuid}")
async def update_tier(request: Request, db: AsyncSession, user: Actor, slug: str, tier_id: uuid.UUID) -> Template:
    form = await request.form()
    try:
        await service.update_tier(db, user, slug, tier_id, forms.tier_input(form))
    except ValidationFailed as exc:
        await db.rollback()
        event = await service.get_event_for(db, user, slug, Role.MANAGER)
        tier = next(t for t in event.tiers if t.id == tier_id)
        return page(
            "events/_tier_edit.html",
            status_code=422,
            event=event,
            tier=tier,
            currencies=CURRENCIES,
            form=form,
            errors=exc.errors,
        )
    return _tiers_fragment(await service.get_event_for(db, user, slug))


@post("/manage/events/{slug:str}/tiers/{tier_id:uuid}/delete")
async def delete_tier(db: AsyncSession, user: Actor, slug: str, tier_id: uuid.UUID) -> Template:
    event = await service.delete_tier(db, user, slug, tier_id)
    return _tiers_fragment(event)


@post("/manage/events/{slug:str}/cover")
async def upload_cover(request: Request, db: AsyncSession, user: Actor, settings: Settings, slug: str) -> Template:
    form = await request.form()
    upload = form.get("cover")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        await covers.set_cover(db, user, slug, data, settings.cover_max_bytes)
    except ValidationFailed as exc:
        await db.rollback()
        event = await service.get_event_for(db, user, slug)
        return page("events/_cover.html", status_code=422, event=event, errors=exc.errors, can_edit=True)
    event = await service.get_event_for(db, user, slug)
    return page("events/_cover.html", event=event, can_edit=True, notice="Cover image saved.")


@post("/manage/events/{slug:str}/cover/delete")
async def delete_cover(db: AsyncSession, user: Actor, slug: str) -> Template:
    await covers.remove_cover(db, user, slug)
    event = await service.get_event_for(db, user, slug)
    return page("events/_cover.html", event=event, can_edit=True, notice="Cover image removed.")


# --- series ------------------------------------------------------------------------------------------------


async def _series_form(db: AsyncSession, user: Actor, org, status_code: int = 200, **extra) -> Template:
    return page(
        "events/series_form.html",
        status_code=status_code,
        org=org,
        weekdays=series.WEEKDAYS,
        tier_rows=range(series_forms.TIER_ROWS),
        currencies=CURRENCIES,
        **await _event_form_context(db, user, org.id),
        **extra,
    )


@get("/manage/{org_slug:str}/series")
async def series_list(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    return page("events/series_list.html", org=org, all_series=await series.list_organization_series(db, user, org.id))


@get("/manage/{org_slug:str}/series/new")
async def new_series_form(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    user.require(org.id, Role.MANAGER, what="Organization")
    return await _series_form(db, user, org, form={"timezone": "Europe/Berlin", "kind": "weekly", "currency": "EUR"})


@post("/manage/{org_slug:str}/series/new")
async def create_series(request: Request, db: AsyncSession, user: Actor, org_slug: str) -> Template | Redirect:
    org = user.organization_by_slug(org_slug)
    form = await request.form()
    try:
        created = await series.create_series(db, user, org.id, series_forms.series_input(form))
    except ValidationFailed as exc:
        await db.rollback()
        values = {**form, "weekdays": form.getall("weekdays", [])}
        return await _series_form(db, user, org, 422, form=values, errors=exc.errors, error_message=exc.message)
    return Redirect(f"/manage/series/{created.slug}")


async def _series_page(db: AsyncSession, user: Actor, slug: str, status_code: int = 200, **extra) -> Template:
    found = await series.series_for(db, user, slug)
    org = next(o for o in user.organizations if o.id == found.organization_id)
    template = series_template.template_of(found)
    return page(
        "events/series_manage.html",
        status_code=status_code,
        org=org,
        series=found,
        dates=await series_public.dated(db, await series.dates_of(db, found)),
        template_form=extra.pop("template_form", None) or series_forms.template_values(template),
        tier_rows=range(min(series_forms.MAX_TIERS, len(template.tiers) + 1)),
        can_edit=user.role_in(org.id).at_least(Role.MANAGER),
        **await _event_form_context(db, user, org.id),
        **extra,
    )


@get("/manage/series/{series_slug:str}")
async def manage_series(db: AsyncSession, user: Actor, series_slug: str) -> Template:
    return await _series_page(db, user, series_slug)


@post("/manage/series/{series_slug:str}/dates")
async def add_series_date(request: Request, db: AsyncSession, user: Actor, series_slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        await series.add_date(db, user, series_slug, series_forms.date_input(form))
    except ValidationFailed as exc:
        await db.rollback()
        return await _series_page(db, user, series_slug, 422, date_form=form, date_errors=exc.errors)
    return Redirect(f"/manage/series/{series_slug}")


@post("/manage/series/{series_slug:str}/dates/{date_slug:str}/cancel")
async def cancel_series_date(db: AsyncSession, user: Actor, series_slug: str, date_slug: str) -> Redirect:
    await series.cancel_date(db, user, series_slug, date_slug)
    return Redirect(f"/manage/series/{series_slug}")


@post("/manage/series/{series_slug:str}/publish")
async def publish_series(db: AsyncSession, user: Actor, series_slug: str) -> Template:
    refused = await series.publish_series(db, user, series_slug)
    return await _series_page(db, user, series_slug, refused=refused, notice="Upcoming dates published.")


@post("/manage/series/{series_slug:str}/template")
async def update_series_template(request: Request, db: AsyncSession, user: Actor, series_slug: str) -> Template:
    form = await request.form()
    scope = {"unsold": "unsold", "safe": "safe"}.get(form.get("apply", ""))
    try:
        applied = await series_template.update_template(db, user, series_slug, series_forms.template_input(form), scope)
    except ValidationFailed as exc:
        await db.rollback()
        return await _series_page(db, user, series_slug, 422, template_form=form, template_errors=exc.errors)
    return await _series_page(db, user, series_slug, applied=applied, notice="Template saved.")


organizer_event_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            organization_home,
            new_event_form,
            create_event,
            manage_event,
            update_event,
            change_status,
            add_tier,
            edit_tier_form,
            update_tier,
            delete_tier,
            upload_cover,
            delete_cover,
            series_list,
            new_series_form,
            create_series,
            manage_series,
            add_series_date,
            cancel_series_date,
            publish_series,
            update_series_template,
        ],
    ),
]
