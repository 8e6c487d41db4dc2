"""The door's HTML: the scanner (an installable PWA under /scan/, with its service worker and manifest) and the
organizer's live door dashboard. The scanner's JSON endpoints are in api.py."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import aclosing

from litestar import Request, Response, Router, get
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.checkin import service
from app.checkin.dashboard import door_news, door_stats
from app.checkin.release import SCANNER_MANIFEST, scanner_release
from app.checkin.verdicts import messages
from app.config import Settings
from app.db import utcnow
from app.templating import render
from app.timeutil import to_local
from app.viewers import KEEPALIVE
from app.web import client_network, page


@get("/scan")
async def scanner_home(db: AsyncSession, user: Actor) -> Template:
    """Where door staff land after logging in: today's events first."""
    return page("checkin/home.html", events=await service.events_to_scan(db, user))


@get("/scan/{slug:str}")
async def scanner(db: AsyncSession, user: Actor, slug: str) -> Template:
    event = await service.door_event(db, user, slug)
    # The verdict words ride along for a device that has no ticket list yet (the bundle brings them too). The
    # scanner shows times in the event's zone with the app's format; the zone's abbreviation is Python's, as on
    # every other page (browsers name most zones "GMT-5").
    zone_name = to_local(utcnow(), event.timezone).tzname()
    return page("checkin/scanner.html", event=event, staff=user, verdicts=messages(event), zone_name=zone_name)


@get("/scan/sw.js", skip_session=True)
async def service_worker(settings: Settings) -> Response:
    # Served from /scan/ so its scope covers every scanner page.
    return Response(
        scanner_release(settings.static_dir).service_worker,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/scan/"},
    )


@get("/scan/manifest.webmanifest", skip_session=True)
async def manifest() -> Response:
    return Response(json.dumps(SCANNER_MANIFEST), media_type="application/manifest+json")


@get("/manage/events/{slug:str}/checkins")
async def dashboard(db: AsyncSession, user: Actor, slug: str) -> Template:
    event = await service.door_event(db, user, slug)
    return page("checkin/dashboard.html", event=event, stats=await door_stats(db, event))


@get("/manage/events/{slug:str}/checkins/live")
async def dashboard_live(request: Request, db: AsyncSession, user: Actor, slug: str) -> ServerSentEvent:
    """The dashboard's numbers again whenever a scan happens anywhere (at most a few times a second)."""
    event = await service.door_event_to_watch(db, user, slug)
    state = request.app.state

    async def updates() -> AsyncGenerator[ServerSentEventMessage, None]:
        async with aclosing(door_news(state.hub, state.door_counts, state.sessionmaker, event)) as news:
            async for stats in news:
                if stats is None:
                    yield KEEPALIVE
                else:
                    html = render("checkin/_stats.html", event=event, stats=stats)
                    yield ServerSentEventMessage(event="stats", data=html.replace("\n", " "))

    stream = state.viewers.admit(client_network(request), updates())
    return ServerSentEvent(stream, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


checkin_page_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[scanner_home, service_worker, manifest, scanner, dashboard, dashboard_live],
    )
]
