"""The door's HTML: the scanner (an installable PWA under /scan/, with its service worker and manifest) and the
organizer's live door dashboard. The scanner's JSON endpoints are in api.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from litestar import Request, Response, Router, get
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.checkin import service
from app.checkin.dashboard import checkins_channel, door_stats
from app.checkin.verdicts import messages
from app.config import PROJECT_ROOT
from app.templating import render
from app.web import page

SERVICE_WORKER = PROJECT_ROOT / "static" / "js" / "scanner-sw.js"


@get("/scan")
async def scanner_home(db: AsyncSession, user: Actor) -> Template:
    return page("checkin/home.html", events=await service.events_to_scan(db, user))


@get("/scan/{slug:str}")
async def scanner(db: AsyncSession, user: Actor, slug: str) -> Template:
    event = await service.door_event(db, user, slug)
    # The verdict words ride along for a device that has no ticket list yet (the bundle brings them too).
    return page("checkin/scanner.html", event=event, staff=user, verdicts=messages(event))


@get("/scan/sw.js", skip_session=True)
async def service_worker() -> Response:
    # Served from /scan/ so its scope covers every scanner page.
    return Response(
        SERVICE_WORKER.read_text(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/scan/"},
    )


@get("/scan/manifest.webmanifest", skip_session=True)
async def manifest() -> Response:
    body = {
        "name": "Usher door scanner",
        "short_name": "Usher scan",
        "start_url": "/scan",
        "scope": "/scan",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#111827",
        "theme_color": "#111827",
        "icons": [
            {"src": "/static/icons/scanner-192.png", "sizes": "192x192", "type": "image/png"},
            {
                "src": "/static/icons/scanner-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    return Response(json.dumps(body), media_type="application/manifest+json")


@get("/manage/events/{slug:str}/checkins")
async def dashboard(db: AsyncSession, user: Actor, slug: str) -> Template:
    event = await service.door_event(db, user, slug)
    return page("checkin/dashboard.html", event=event, stats=await door_stats(db, event))


@get("/manage/events/{slug:str}/checkins/live")
async def dashboard_live(request: Request, db: AsyncSession, user: Actor, slug: str) -> ServerSentEvent:
    """The dashboard's numbers again whenever a scan happens anywhere (at most a few times a second)."""
    event = await service.door_event_to_watch(db, user, slug)
    sessionmaker = request.app.state.sessionmaker
    redis = request.app.state.redis

    async def stats_message() -> ServerSentEventMessage:
        async with sessionmaker() as session:
            stats = await door_stats(session, event)
        html = render("checkin/_stats.html", event=event, stats=stats)
        return ServerSentEventMessage(event="stats", data=html.replace("\n", " "))

    async def updates() -> AsyncIterator[ServerSentEventMessage]:
        pubsub = redis.pubsub()
        await pubsub.subscribe(checkins_channel(event.id))
        try:
            # Subscribed first, then the numbers as of now: a scan between page load and here is not missed.
            yield await stats_message()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15)
                if message is None:
                    yield ServerSentEventMessage(comment="keepalive")
                    continue
                await asyncio.sleep(0.2)  # let a burst of scans land, then draw once
                while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0):
                    pass
                yield await stats_message()
        finally:
            await pubsub.aclose()

    return ServerSentEvent(updates(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


checkin_page_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[scanner_home, service_worker, manifest, scanner, dashboard, dashboard_live],
    )
]
