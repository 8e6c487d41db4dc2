"""The seat picker page, its htmx actions (hold, release, best available) and the live SSE stream."""

from __future__ import annotations

import json
import uuid

from litestar import Request, Router, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, ServerSentEvent, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.errors import Conflict, DomainError, NotFound
from app.events.models import Event
from app.events.pages import on_event_page
from app.events.service import get_public_event
from app.live import latest_delta_id
from app.money import format_money
from app.seating import actions, stream
from app.seating.availability import area_states, cart_area_holds, cart_holds, seat_details
from app.seating.carts import CART_COOKIE, cart_from_token, holder_tag, sign_cart
from app.seating.choosing import form_int, seat_choices
from app.seating.rules import InvalidSeats, SalesState, SeatsUnavailable, sales_state
from app.seating.snapshots import snapshot_payload
from app.seating.tiers import general_admission_tiers, tier_category, tiers_by_category
from app.venues.render import rendered_map_for, script_json
from app.web import client_network, page

KEEPALIVE_SECONDS = 15


def _cart(request: Request, settings: Settings) -> tuple[uuid.UUID, bool]:
    """The visitor's cart from its signed cookie; a missing or forged cookie starts a new one."""
    cart_id = cart_from_token(settings.secret_key, request.cookies.get(CART_COOKIE))
    return (cart_id, False) if cart_id else (uuid.uuid4(), True)


def _cart_cookie(settings: Settings, cart_id: uuid.UUID) -> Cookie:
    return Cookie(
        key=CART_COOKIE,
        value=sign_cart(settings.secret_key, cart_id),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=7 * 24 * 3600,
        path="/",
    )


async def _seated_event(db: AsyncSession, slug: str) -> Event:
    event = await get_public_event(db, slug)
    if event.layout_version_id is None:
        raise NotFound("This event has no seat map.")
    return event


def _prices(event: Event) -> dict[str, str]:
    return {category: format_money(t.price_minor, t.currency) for category, t in tiers_by_category(event).items()}


async def _cart_context(db: AsyncSession, event: Event, cart_id: uuid.UUID) -> dict:
    """What the cart panel shows: held seats and standing places, their prices, the total and the deadline."""
    keys, seats_expire = await cart_holds(db, event.id, cart_id)
    places = await cart_area_holds(db, event.id, cart_id)
    seat_rows = await seat_details(db, event.id, keys)
    prices = tiers_by_category(event)
    total = sum(prices[s.category].price_minor for s in seat_rows if s.category in prices) + sum(
        prices[p.category].price_minor * p.quantity for p in places if p.category in prices
    )
    deadlines = [d for d in [seats_expire, *(p.held_until for p in places)] if d]
    return {
        "event": event,
        "seats": seat_rows,
        "places": places,
        "held_keys": keys,
        "prices": prices,
        "total": total,
        "currency": event.tiers[0].currency if event.tiers else "EUR",
        "expires_at": min(deadlines, default=None),
    }


async def _cart_panel(
    db: AsyncSession, event: Event, cart_id: uuid.UUID, status_code: int = 200, *, full_page: bool = False, **extra
) -> Template:
    """The cart fragment htmx swaps in; a whole page for a form posted without JavaScript."""
    context = await _cart_context(db, event, cart_id)
    expires_at = context["expires_at"]
    trigger = json.dumps(
        {
            "cart-changed": {
                "held": context["held_keys"],
                "places": {p.key: p.quantity for p in context["places"]},
                "expires_at": expires_at.isoformat() if expires_at else None,
            }
        }
    )
    template = "seating/cart_page.html" if full_page else "seating/_cart.html"
    return page(template, status_code=status_code, headers={"HX-Trigger": trigger}, **context, **extra)


@get("/events/{slug:str}/seats")
async def picker(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template:
    event = await _seated_event(db, slug)
    cart_id, new_cart = _cart(request, settings)
    since = await latest_delta_id(request.app.state.redis, event.id)
    standing = await area_states(db, event.id)
    snapshot = await snapshot_payload(db, settings.secret_key, event.id, standing)
    my_tag = holder_tag(settings.secret_key, cart_id)
    rendered = await rendered_map_for(db, event.layout_version_id)
    # The map is drawn as it stands, so no seat looks available before (or without) the script.
    states = {key: "mine" if by == my_tag else status for key, status, _, by in snapshot["seats"]}
    template = page(
        "seating/picker.html",
        rendered=rendered,
        seatmap_svg=rendered.drawn(states, seats_as_json=True),
        snapshot=script_json(snapshot),
        standing=standing,
        since=since,
        my_tag=my_tag,
        price_labels=_prices(event),
        max_seats=settings.max_seats_per_cart,
        on_sale_problem=await _on_sale_problem(db, event),
        **await seat_choices(db, settings, event, request.query_params),
        **await _cart_context(db, event, cart_id),
    )
    if new_cart:
        template.cookies.append(_cart_cookie(settings, cart_id))
    return template


@on_event_page
async def general_admission(request: Request, db: AsyncSession, event: Event) -> dict:
    """The event page's quantity picker per general-admission tier: places left (live over SSE) and the cart."""
    tiers = {tier_category(t.id): t for t in general_admission_tiers(event)}
    offers = [(tiers[a.category], a) for a in await area_states(db, event.id) if a.category in tiers]
    if not offers:
        return {}
    settings: Settings = request.app.state.settings
    cart_id, _ = _cart(request, settings)
    return {
        "offers": offers,
        "since": await latest_delta_id(request.app.state.redis, event.id),
        "max_seats": settings.max_seats_per_cart,
        "on_sale_problem": await _on_sale_problem(db, event),
        **await _cart_context(db, event, cart_id),
    }


async def _on_sale_problem(db: AsyncSession, event: Event) -> str | None:
    state = await sales_state(db, event)
    return None if state == SalesState.ON_SALE else state.message


def _seat_page(event: Event) -> str:
    """Where a plain form post goes back to: the seat page, or the event page of a general-admission event."""
    return f"/events/{event.slug}/seats" if event.layout_version_id else f"/events/{event.slug}"


async def _act(
    request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str, action, *, seated: bool = True
) -> Template | Redirect:
    """Run a seat action for the visitor's cart. htmx gets the cart panel (with the problem, if any); a form posted
    without JavaScript gets a 303 back to the page, which shows the basket, or the forms again with the problem.
    General-admission places (`seated=False`) need no seat map."""
    find_event = _seated_event if seated else get_public_event
    event = await find_event(db, slug)
    cart_id, new_cart = _cart(request, settings)
    htmx = "hx-request" in request.headers
    response: Template | Redirect
    try:
        await action(actions.SeatRequest.of(request, db, settings, cart_id, actor.user_id), event)
        if htmx:
            response = await _cart_panel(db, event, cart_id)
        elif event.layout_version_id:
            response = Redirect(f"{_seat_page(event)}#cart", status_code=303)
        else:
            response = await _cart_panel(db, event, cart_id, full_page=True)
    except DomainError as exc:
        if exc.status_code == 429:
            raise
        await db.rollback()
        event = await find_event(db, slug)
        if htmx or not event.layout_version_id:
            response = await _cart_panel(
                db, event, cart_id, status_code=exc.status_code, full_page=not htmx, problem=exc.message
            )
        else:
            response = await _refused_without_javascript(request, db, settings, event, cart_id, exc)
    if new_cart:
        response.cookies.append(_cart_cookie(settings, cart_id))
    return response


async def _refused_without_javascript(
    request: Request, db: AsyncSession, settings: Settings, event: Event, cart_id: uuid.UUID, refusal: DomainError
) -> Template:
    """A refused form posted without JavaScript: the list at the step it was sent from, best available with what
    was typed, the basket, and the problem on top."""
    form = {
        k: (await request.form()).get(k, "") for k in ("section", "row", "party", "wheelchair", "quantity", "category")
    }
    from_best = bool(form["category"])  # both forms call their wheelchair field "wheelchair"
    try:
        choices = await seat_choices(db, settings, event, {} if from_best else form)
    except DomainError:  # the hidden step itself was bad: start the list again
        choices = await seat_choices(db, settings, event, {})
    best_form = form if from_best else {}
    return await _choose_page(db, settings, event, cart_id, choices, refusal=refusal, best_form=best_form)


async def _choose_page(
    db: AsyncSession,
    settings: Settings,
    event: Event,
    cart_id: uuid.UUID,
    choices: dict,
    *,
    refusal: DomainError | None = None,
    best_form: dict | None = None,
) -> Template:
    """The list, best available, standing places and the basket on a page of their own, without the map."""
    return page(
        "seating/choose.html",
        status_code=refusal.status_code if refusal else 200,
        refusal=refusal.message if refusal else None,
        best_form=best_form or {},
        standing=await area_states(db, event.id),
        price_labels=_prices(event),
        max_seats=settings.max_seats_per_cart,
        **choices,
        **await _cart_context(db, event, cart_id),
    )


@get("/events/{slug:str}/seats/list")
async def list_step(request: Request, db: AsyncSession, settings: Settings, slug: str) -> Template:
    """One step of "Choose from a list": the fragment htmx swaps in place, or a page of its own without the map."""
    event = await _seated_event(db, slug)
    htmx = "hx-request" in request.headers
    choices = await seat_choices(db, settings, event, request.query_params, with_best=not htmx)
    # A refresh after the basket changed keeps focus where the buyer is; a step moves focus to its heading.
    choices["focus_step"] = request.headers.get("hx-trigger") != "seat-list"
    if htmx:
        return page("seating/_seat_list.html", event=event, max_seats=settings.max_seats_per_cart, **choices)
    return await _choose_page(db, settings, event, _cart(request, settings)[0], choices)


@post("/events/{slug:str}/seats/hold")
async def hold(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template | Redirect:
    keys = [k for k in (await request.form()).getall("seat", []) if k]

    async def hold_named(ask: actions.SeatRequest, event: Event) -> None:
        try:
            await actions.hold(ask, event.slug, keys)
        except SeatsUnavailable as exc:  # all or nothing: say which seats went, by the names buyers read
            taken = await seat_details(ask.db, event.id, exc.keys)
            names = "; ".join(f"{s.section_name}, row {s.row_label}, seat {s.number}" for s in taken)
            raise Conflict(f"Someone else has just taken {names}. Nothing was held: please choose again.") from exc

    return await _act(request, db, settings, actor, slug, hold_named)


@post("/events/{slug:str}/seats/release")
async def release(
    request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str
) -> Template | Redirect:
    key = (await request.form()).get("seat", "")
    return await _act(request, db, settings, actor, slug, lambda ask, event: actions.release(ask, event.slug, key))


@post("/events/{slug:str}/seats/best")
async def best(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template | Redirect:
    form = await request.form()
    category, quantity = form.get("category", ""), form_int(form.get("quantity"))
    wheelchair = form.get("wheelchair") == "1"
    return await _act(
        request,
        db,
        settings,
        actor,
        slug,
        lambda ask, event: actions.hold_best(ask, event, category, quantity, wheelchair=wheelchair),
    )


@post("/events/{slug:str}/areas/hold")
async def hold_places(
    request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str
) -> Template | Redirect:
    """Set the places the cart holds in a standing area or general-admission tier; `release` gives them back."""
    form = await request.form()
    area, releasing = form.get("area", ""), form.get("release") == "1"
    quantity = 0 if releasing else form_int(form.get("quantity"))

    async def hold_some(ask: actions.SeatRequest, event: Event) -> None:
        if quantity < 1 and not releasing:  # a picker asking for none is a mistake, not a release
            raise InvalidSeats(f"Choose between 1 and {settings.max_seats_per_cart} places.")
        await actions.hold_area(ask, event, area, quantity)

    return await _act(request, db, settings, actor, slug, hold_some, seated=False)


@get("/events/{slug:str}/live", skip_session=True)
async def live(request: Request, db: AsyncSession, slug: str, since: str | None = None) -> ServerSentEvent:
    """Deltas as they happen. A reconnect (Last-Event-ID, or ?since= from the page) replays what it missed,
    or gets a fresh snapshot when that is no longer known — a viewer is never silently stale."""
    event_id = await stream.event_to_stream(db, slug)
    state = request.app.state
    messages = stream.seat_news(
        state.redis, state.hub, state.snapshots, event_id, request.headers.get("last-event-id") or since
    )
    # Past the live-viewer budget: 503/429 with Retry-After; the page works on, EventSource retries later.
    metered = state.viewers.admit(client_network(request), messages)
    return ServerSentEvent(metered, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


seating_page_routes = [
    Router(
        path="/", include_in_schema=False, route_handlers=[picker, list_step, hold, release, best, hold_places, live]
    )
]
