"""The door scanner (an installable PWA under /scan/), its JSON endpoints, and the live door dashboard."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.checkin import service
from app.checkin.dashboard import door_stats
from app.config import PROJECT_ROOT
from app.db import utcnow
from app.events.models import Event, EventStatus
from app.templating import render
from app.web import page

SERVICE_WORKER = PROJECT_ROOT / "static" / "js" / "scanner-sw.js"


def checkins_channel(event_id) -> str:
    return f"usher:event:{event_id}:checkins"


def _verdict_json(verdict: service.Verdict) -> dict:
    return {
        "result": verdict.result,
        "reason": verdict.reason,
        "label": verdict.label,
        "tier": verdict.tier,
        "attendee": verdict.attendee,
        "order": verdict.order_number,
        "code": verdict.code,
        "checked_in_at": verdict.checked_in_at.isoformat() if verdict.checked_in_at else None,
        "checked_in_by": verdict.checked_in_by,
        "checked_in_device": verdict.checked_in_device,
        "local_id": verdict.local_id,
    }


async def _announce(request: Request, event: Event) -> None:
    await request.app.state.redis.publish(checkins_channel(event.id), "1")


@get("/scan")
async def scanner_home(db: AsyncSession, user: Actor) -> Template:
    events = (
        await db.scalars(
            select(Event)
            .where(Event.organization_id.in_(user.organization_ids()), Event.status == EventStatus.PUBLISHED)
            .where(Event.ends_at >= utcnow())
            .order_by(Event.starts_at)
        )
    ).all()
    return page("checkin/home.html", events=events)


@get("/scan/{slug:str}")
async def scanner(db: AsyncSession, user: Actor, slug: str) -> Template:
    event = await service.door_event(db, user, slug)
    return page("checkin/scanner.html", event=event, staff=user)


@get("/scan/{slug:str}/bundle")
async def bundle(db: AsyncSession, user: Actor, slug: str) -> dict:
    event = await service.door_event(db, user, slug)
    return await service.offline_bundle(db, event)


class CheckInRequest(msgspec.Struct):
    code: str
    device: str = "browser"


@post("/scan/{slug:str}/check-in", request_max_body_size=4096, status_code=200)
async def check_in(request: Request, db: AsyncSession, user: Actor, slug: str, data: CheckInRequest) -> dict:
    event = await service.door_event(db, user, slug)
    verdict = await service.check_in(db, user, event, data.code[:2000], data.device)
    await _announce(request, event)
    return _verdict_json(verdict)


class SyncedScan(msgspec.Struct):
    local_id: str
    code: str
    scanned_at: datetime


class SyncRequest(msgspec.Struct):
    device: str
    scans: list[SyncedScan]


@post("/scan/{slug:str}/sync", request_max_body_size=2 * 1024 * 1024, status_code=200)
async def sync(request: Request, db: AsyncSession, user: Actor, slug: str, data: SyncRequest) -> dict:
    event = await service.door_event(db, user, slug)
    scans = [service.OfflineScan(s.local_id, data.device, s.code[:2000], s.scanned_at) for s in data.scans[:5000]]
    verdicts = await service.sync_offline_scans(db, user, event, scans)
    await _announce(request, event)
    return {"verdicts": [_verdict_json(v) for v in verdicts]}


@get("/scan/{slug:str}/lookup")
async def lookup(db: AsyncSession, user: Actor, slug: str, q: str = "") -> dict:
    event = await service.door_event(db, user, slug)
    return {
        "tickets": [
            {
                "code": t.code,
                "label": t.label,
                "tier": t.tier_name,
                "attendee": t.attendee_name,
                "order": o.number,
                "status": t.status,
                "checked_in_at": t.checked_in_at.isoformat() if t.checked_in_at else None,
            }
            for t, o in await service.lookup(db, event, q)
        ]
    }


class UndoRequest(msgspec.Struct):
    code: str
    reason: str
    device: str = "browser"


@post("/scan/{slug:str}/undo", status_code=200)
async def undo(request: Request, db: AsyncSession, user: Actor, slug: str, data: UndoRequest) -> dict:
    event = await service.door_event(db, user, slug)
    await service.undo_check_in(db, user, event, data.code, data.reason, data.device)
    await _announce(request, event)
    return {"undone": data.code}


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
    event = await service.door_event(db, user, slug)
    await db.commit()
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


checkin_routes = [
    Router(
        path="/",
        include_in_schema=False,
        route_handlers=[
            scanner_home,
            service_worker,
            manifest,
            scanner,
            bundle,
            check_in,
            sync,
            lookup,
            undo,
            dashboard,
            dashboard_live,
        ],
    )
]
