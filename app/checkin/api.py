"""The scanner's JSON endpoints under /scan/{slug}/ (cookie session and CSRF, like the scanner page): the offline
bundle, check-in, sync of offline scans, lookup and undo. Every verdict carries its code (verdicts.py) and words."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Request, Router, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.checkin import service
from app.checkin.bundle import offline_bundle
from app.checkin.dashboard import announce_scans


def _verdict_json(verdict: service.Verdict) -> dict:
    return {
        "result": verdict.result,
        "verdict": verdict.code,
        "reason": verdict.reason,
        "label": verdict.label,
        "tier": verdict.tier,
        "attendee": verdict.attendee,
        "order": verdict.order_number,
        "ticket": verdict.ticket,
        "checked_in_at": verdict.checked_in_at.isoformat() if verdict.checked_in_at else None,
        "checked_in_by": verdict.checked_in_by,
        "checked_in_device": verdict.checked_in_device,
        "local_id": verdict.local_id,
    }


@get("/scan/{slug:str}/bundle")
async def bundle(db: AsyncSession, user: Actor, slug: str) -> dict:
    event = await service.door_event(db, user, slug)
    return await offline_bundle(db, event)


class CheckInRequest(msgspec.Struct):
    code: str
    device: str = "browser"


@post("/scan/{slug:str}/check-in", request_max_body_size=4096, status_code=200)
async def check_in(request: Request, db: AsyncSession, user: Actor, slug: str, data: CheckInRequest) -> dict:
    event = await service.door_event(db, user, slug)
    verdict = await service.check_in(db, user, event, data.code[:2000], data.device)
    await announce_scans(request.app.state.redis, event.id)
    return _verdict_json(verdict)


class SyncedScan(msgspec.Struct):
    local_id: str
    scanned_at: datetime
    code: str = ""
    # A ticket door staff picked by name from the offline list: its fingerprint, as the list names it.
    ticket: Annotated[str, msgspec.Meta(max_length=64, pattern="^[0-9a-f]*$")] = ""


class SyncRequest(msgspec.Struct):
    device: str
    scans: list[SyncedScan]


@post("/scan/{slug:str}/sync", request_max_body_size=2 * 1024 * 1024, status_code=200)
async def sync(request: Request, db: AsyncSession, user: Actor, slug: str, data: SyncRequest) -> dict:
    event = await service.door_event(db, user, slug)
    scans = [
        service.OfflineScan(s.local_id, data.device, s.code[:2000], s.scanned_at, s.ticket) for s in data.scans[:5000]
    ]
    verdicts = await service.sync_offline_scans(db, user, event, scans)
    await announce_scans(request.app.state.redis, event.id)
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
    await announce_scans(request.app.state.redis, event.id)
    return {"undone": data.code}


checkin_api_routes = [
    Router(path="/", include_in_schema=False, route_handlers=[bundle, check_in, sync, lookup, undo]),
]
