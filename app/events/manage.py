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
from app.errors import NotFound, ValidationFailed
from app.events import covers, forms, series, series_categories, series_forms, series_public, series_template, service
from app.events import organizer_views as views
from app.events.models import EventStatus
from app.money import CURRENCIES
from app.web import page


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@get("/manage/{org_slug:str}")
async def organization_home(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    events = await service.list_organization_events(db, user, org.id)
    return page("events/manage_list.html", org=org, events=events)


@get("/manage/{org_slug:str}/events/new")
async def new_event_form(db: AsyncSession, user: Actor, org_slug: str) -> Template:
    org = user.organization_by_slug(org_slug)
    user.require(org.id, Role.MANAGER, what="Organization")
    context = await views.event_form_context(db, user, org.id)
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
            **await views.event_form_context(db, user, org.id),
        )
    return Redirect(f"/manage/events/{event.slug}")


@get("/manage/events/{slug:str}")
async def manage_event(db: AsyncSession, user: Actor, slug: str) -> Template:
    return await views.event_page(db, user, await service.get_event_for(db, user, slug))


@post("/manage/events/{slug:str}")
async def update_event(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        event = await service.update_event(db, user, slug, forms.event_input(form))
    except ValidationFailed as exc:
        await db.rollback()
        event = await service.get_event_for(db, user, slug)
        return await views.event_page(db, user, event, 422, form=form, errors=exc.errors, error_message=exc.message)
    return Redirect(f"/manage/events/{event.slug}?saved=1")


@get("/manage/events/{slug:str}/status")
async def status_card(db: AsyncSession, user: Actor, slug: str) -> Template:
    """The status card alone: the event page reloads it when its tiers change (publish problems)."""
    return await views.status_card(db, user, await service.get_event_for(db, user, slug))


@post("/manage/events/{slug:str}/status")
async def change_status(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        target = EventStatus(form.get("status", ""))
    except ValueError:
        raise ValidationFailed({"status": "Choose draft, published or cancelled."}) from None
    event = await service.set_status(db, user, slug, target)
    if not _is_htmx(request):
        return Redirect(f"/manage/events/{slug}", status_code=303)
    return await views.status_card(db, user, event, headers=views.STATUS_CHANGED)


@get("/manage/events/{slug:str}/tiers")
async def tiers_card(db: AsyncSession, user: Actor, slug: str) -> Template:
    """The tiers card alone: the event page reloads it when the event's status changes (a cancelled event's
    tiers cannot be edited)."""
    return await views.tiers_card(db, user, await service.get_event_for(db, user, slug))


async def _tiers_changed(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    if not _is_htmx(request):
        return Redirect(f"/manage/events/{slug}#tiers", status_code=303)
    event = await service.get_event_for(db, user, slug)
    return await views.tiers_card(db, user, event, headers=views.TIERS_CHANGED)


async def _tier_refused(request: Request, db: AsyncSession, user: Actor, slug: str, **extra) -> Template:
    """A tier form with its errors: the tiers card for htmx, the whole page without JavaScript."""
    await db.rollback()
    event = await service.get_event_for(db, user, slug, Role.MANAGER)
    render = views.tiers_card if _is_htmx(request) else views.event_page
    return await render(db, user, event, 422, **extra)


@post("/manage/events/{slug:str}/tiers")
async def add_tier(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    try:
        await service.add_tier(db, user, slug, forms.tier_input(form))
    except ValidationFailed as exc:
        return await _tier_refused(request, db, user, slug, tier_form=form, tier_errors=exc.errors)
    return await _tiers_changed(request, db, user, slug)


@get("/manage/events/{slug:str}/tiers/{tier_id:uuid}/edit")
async def edit_tier_form(request: Request, db: AsyncSession, user: Actor, slug: str, tier_id: uuid.UUID) -> Template:
    event = await service.get_event_for(db, user, slug, Role.MANAGER)
    if not any(t.id == tier_id for t in event.tiers):
        raise NotFound("Price tier not found.")
    if _is_htmx(request):
        return await views.tier_row_editor(db, event, tier_id)
    return await views.event_page(db, user, event, editing_tier_id=tier_id)


@post("/manage/events/{slug:str}/tiers/{tier_id:uuid}")
async def update_tier(
    request: Request, db: AsyncSession, user: Actor, slug: str, tier_id: uuid.UUID
) -> Template | Redirect:
    form = await request.form()
    try:
        await service.update_tier(db, user, slug, tier_id, forms.tier_input(form))
    except ValidationFailed as exc:
        return await _tier_refused(
            request, db, user, slug, editing_tier_id=tier_id, tier_edit_form=form, tier_edit_errors=exc.errors
        )
    return await _tiers_changed(request, db, user, slug)


@post("/manage/events/{slug:str}/tiers/{tier_id:uuid}/delete")
async def delete_tier(
    request: Request, db: AsyncSession, user: Actor, slug: str, tier_id: uuid.UUID
) -> Template | Redirect:
    await service.delete_tier(db, user, slug, tier_id)
    return await _tiers_changed(request, db, user, slug)


@post("/manage/events/{slug:str}/cover")
async def upload_cover(
    request: Request, db: AsyncSession, user: Actor, settings: Settings, slug: str
) -> Template | Redirect:
    form = await request.form()
    upload = form.get("cover")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        await covers.set_cover(db, user, slug, data, settings.cover_max_bytes)
    except ValidationFailed as exc:
        await db.rollback()
        event = await service.get_event_for(db, user, slug)
        if not _is_htmx(request):
            return await views.event_page(db, user, event, 422, cover_errors=exc.errors)
        return page("events/_cover.html", status_code=422, event=event, cover_errors=exc.errors, can_edit=True)
    return await _cover_changed(request, db, user, slug, "Cover image saved.")


@post("/manage/events/{slug:str}/cover/delete")
async def delete_cover(request: Request, db: AsyncSession, user: Actor, slug: str) -> Template | Redirect:
    await covers.remove_cover(db, user, slug)
    return await _cover_changed(request, db, user, slug, "Cover image removed.")


async def _cover_changed(
    request: Request, db: AsyncSession, user: Actor, slug: str, notice: str
) -> Template | Redirect:
    if not _is_htmx(request):
        return Redirect(f"/manage/events/{slug}#cover", status_code=303)
    event = await service.get_event_for(db, user, slug)
    return page("events/_cover.html", event=event, can_edit=True, notice=notice)


# --- series ------------------------------------------------------------------------------------------------


async def _series_form(db: AsyncSession, user: Actor, org, status_code: int = 200, **extra) -> Template:
    return page(
        "events/series_form.html",
        status_code=status_code,
        org=org,
        weekdays=series.WEEKDAYS,
        tier_rows=range(series_forms.TIER_ROWS),
        currencies=CURRENCIES,
        seat_map_categories=await series_categories.seat_category_choices(
            db, user, org.id, series_forms.chosen_seat_map(extra.get("form") or {})
        ),
        **await views.event_form_context(db, user, org.id),
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
        seat_categories=await series_categories.series_seat_categories(db, found),
        **await views.event_form_context(db, user, org.id),
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
            status_card,
            change_status,
            tiers_card,
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
