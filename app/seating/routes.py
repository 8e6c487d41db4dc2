"""The seat picker page, its htmx actions (hold, release, best available) and the live SSE stream."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

from litestar import Request, Router, get, post
from litestar.datastructures import Cookie
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.config import Settings
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.live import RESYNC, deltas_since, is_stream_id, latest_delta_id, newer
from app.money import format_money
from app.seating import commands, service
from app.seating.carts import cart_from_token, holder_tag, sign_cart
from app.seating.render import rendered_map_for, script_json
from app.web import page

CART_COOKIE = "usher_cart"
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


async def snapshot_payload(db: AsyncSession, settings: Settings, event_id: uuid.UUID) -> dict:
    """Seats that are not available (all others are), with versions and holder tags."""
    seq, states = await service.seat_states(db, event_id)
    return {
        "seq": seq,
        "seats": [
            [s.key, s.status, s.version, holder_tag(settings.secret_key, s.cart_id) if s.cart_id else None]
            for s in states
            if s.status != "available"
        ],
    }


async def _seated_event(db: AsyncSession, slug: str) -> Event:
    event = await service.published_event(db, slug)
    if event.layout_version_id is None:
        raise NotFound("This event has no seat map.")
    return event


def _prices(event: Event) -> dict[str, str]:
    return {t.seat_category: format_money(t.price_minor, t.currency) for t in event.tiers if t.seat_category}


async def _cart_panel(
    db: AsyncSession, settings: Settings, event: Event, cart_id: uuid.UUID, status_code: int = 200, **extra
) -> Template:
    keys, expires_at = await service.cart_holds(db, event.id, cart_id)
    seat_rows = await service.seat_details(db, event.id, keys)
    prices = {t.seat_category: t for t in event.tiers if t.seat_category}
    total = sum(prices[s.category].price_minor for s in seat_rows if s.category in prices)
    currency = event.tiers[0].currency if event.tiers else "EUR"
    trigger = json.dumps({"cart-changed": {"held": keys, "expires_at": expires_at.isoformat() if expires_at else None}})
    return page(
        "seating/_cart.html",
        status_code=status_code,
        event=event,
        seats=seat_rows,
        prices=prices,
        total=total,
        currency=currency,
        expires_at=expires_at,
        headers={"HX-Trigger": trigger},
        **extra,
    )


@get("/events/{slug:str}/seats")
async def picker(request: Request, db: AsyncSession, settings: Settings, actor: Actor, slug: str) -> Template:
    event = await _seated_event(db, slug)
    cart_id, new_cart = _cart(request, settings)
    since = await latest_delta_id(request.app.state.redis, event.id)
    snapshot = await snapshot_payload(db, settings, event.id)
    rendered = await rendered_map_for(db, event.layout_version_id)
    keys, expires_at = await service.cart_holds(db, event.id, cart_id)
    seat_rows = await service.seat_details(db, event.id, keys)
    prices = {t.seat_category: t for t in event.tiers if t.seat_category}
    template = page(
        "seating/picker.html",
        event=event,
        rendered=rendered,
        snapshot=script_json(snapshot),
        since=since,
        my_tag=holder_tag(settings.secret_key, cart_id),
        prices=prices,
        price_labels=_prices(event),
        seats=seat_rows,
        expires_at=expires_at,
        currency=event.tiers[0].currency if event.tiers else "EUR",
        total=sum(prices[s.category].price_minor for s in seat_rows if s.category in prices),
        max_seats=settings.max_seats_per_cart,
        on_sale_problem=_on_sale_problem(event),
    )
    if new_cart:
        template.cookies.append(_cart_cookie(settings, cart_id))
    return template


def _on_sale_problem(event: Event) -> str | None:
    try:
        service.check_on_sale(event)
    except DomainError as exc:
        return exc.message
    return None


async def _act(request: Request, db: AsyncSession, settings: Settings, slug: str, action) -> Template:
    event = await _seated_event(db, slug)
    cart_id, new_cart = _cart(request, settings)
    try:
        await action(event, cart_id)
        response = await _cart_panel(db, settings, event, cart_id)
    except DomainError as exc:
        if exc.status_code == 429:
            raise
        await db.rollback()
        event = await _seated_event(db, slug)
        response = await _cart_panel(db, settings, event, cart_id, status_code=exc.status_code, problem=exc.message)
    if new_cart:
        response.cookies.append(_cart_cookie(settings, cart_id))
    return response


@post("/events/{slug:str}/seats/hold")
async def hold(request: Request, db: AsyncSession, settings: Settings, slug: str) -> Template:
    form = await request.form()
    keys = form.getall("seat", []) if hasattr(form, "getall") else [form.get("seat")]

    async def action(event: Event, cart_id: uuid.UUID) -> None:
        await commands.hold(
            db,
            request.app.state.redis,
            settings,
            event,
            cart_id,
            [k for k in keys if k],
            request.client.host if request.client else "unknown",
        )

    return await _act(request, db, settings, slug, action)


@post("/events/{slug:str}/seats/release")
async def release(request: Request, db: AsyncSession, settings: Settings, slug: str) -> Template:
    form = await request.form()

    async def action(event: Event, cart_id: uuid.UUID) -> None:
        await commands.release(db, request.app.state.redis, event, cart_id, form.get("seat", ""))

    return await _act(request, db, settings, slug, action)


@post("/events/{slug:str}/seats/best")
async def best(request: Request, db: AsyncSession, settings: Settings, slug: str) -> Template:
    form = await request.form()
    try:
        quantity = int(form.get("quantity", "0"))
    except ValueError:
        quantity = 0

    async def action(event: Event, cart_id: uuid.UUID) -> None:
        await commands.hold_best(
            db,
            request.app.state.redis,
            settings,
            event,
            cart_id,
            form.get("category", ""),
            quantity,
            request.client.host if request.client else "unknown",
        )

    return await _act(request, db, settings, slug, action)


@get("/events/{slug:str}/live", skip_session=True)
async def live(
    request: Request, db: AsyncSession, settings: Settings, slug: str, since: str | None = None
) -> ServerSentEvent:
    """Deltas as they happen. A reconnect (Last-Event-ID, or ?since= from the page) replays what it missed,
    or gets a fresh snapshot when that is no longer known — a viewer is never silently stale."""
    event = await service.published_event(db, slug)
    await db.commit()  # end the read before streaming; the stream may stay open for hours
    last_id = request.headers.get("last-event-id") or since
    redis = request.app.state.redis
    hub = request.app.state.hub
    sessionmaker = request.app.state.sessionmaker

    async def snapshot() -> ServerSentEventMessage:
        head = await latest_delta_id(redis, event.id)
        async with sessionmaker() as session:
            payload = await snapshot_payload(session, settings, event.id)
        return ServerSentEventMessage(event="snapshot", id=head, data=json.dumps(payload, separators=(",", ":")))

    async def messages() -> AsyncIterator[ServerSentEventMessage]:
        async with hub.listen(event.id) as queue:  # listen first, then catch up: nothing falls in between
            sent = last_id if is_stream_id(last_id) else "0-0"
            missed = await deltas_since(redis, event.id, sent) if is_stream_id(last_id) else None
            if missed is None:
                first = await snapshot()
                sent = str(first.id)
                yield first
            else:
                for stream_id, payload in missed:
                    sent = stream_id
                    yield ServerSentEventMessage(event="delta", id=stream_id, data=payload)
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ServerSentEventMessage(comment="keepalive")
                    continue
                if item == RESYNC:
                    first = await snapshot()
                    sent = str(first.id)
                    yield first
                    continue
                stream_id, payload = item
                if newer(stream_id, sent):
                    sent = stream_id
                    yield ServerSentEventMessage(event="delta", id=stream_id, data=payload)

    return ServerSentEvent(messages(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


seating_page_routes = [Router(path="/", include_in_schema=False, route_handlers=[picker, hold, release, best, live])]
