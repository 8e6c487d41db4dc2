"""What a door phone carries and what it can claim: the offline ticket list names tickets by fingerprint (a stolen
phone yields no code to get in with), and a device's clock cannot backdate a scan before the doors open or take a
check-in the server saw happen."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.checkin.models import Scan
from app.checkin.verdicts import DOORS_OPEN_BEFORE
from app.events.models import Event
from app.tickets.models import Ticket
from tests.checkin.conftest import door_staff, log_in


async def post(browser, path: str, body: dict):
    return await browser.client.post(path, json=body, headers={"X-CSRFToken": await browser.csrf_token()})


async def sync(browser, device: str, *scans: dict) -> list[dict]:
    response = await post(browser, "/scan/tonight/sync", {"device": device, "scans": list(scans)})
    assert response.status_code == 200, response.text
    return response.json()["verdicts"]


async def standing(db, ticket: Ticket) -> Ticket:
    return await db.scalar(select(Ticket).where(Ticket.id == ticket.id).execution_options(populate_existing=True))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_the_offline_list_names_tickets_by_fingerprint_and_carries_no_code(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    bundle = (await browser.get("/scan/tonight/bundle")).json()
    text = json.dumps(bundle)
    for ticket in door.tickets:
        assert ticket.code not in text and door.qr[ticket.code] not in text
    salt = bundle["fingerprint"]["salt"]
    assert bundle["fingerprint"]["algorithm"] == "SHA-256" and door.event_id.hex in salt  # a salt of this event
    assert {row[0] for row in bundle["tickets"]} == {sha256(salt + t.code) for t in door.tickets}
    assert bundle["tickets"][0][2] == "Stalls left · row A · seat 1"
    # An online check-in names the ticket the same way, so the scanner can mark it in its list.
    verdict = (await post(browser, "/scan/tonight/check-in", {"code": door.tickets[0].code})).json()
    assert verdict["ticket"] == sha256(salt + door.tickets[0].code) and "code" not in verdict


async def test_a_fingerprint_gets_nobody_in(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    salt = (await browser.get("/scan/tonight/bundle")).json()["fingerprint"]["salt"]
    stolen = sha256(salt + door.tickets[0].code)  # what a stolen phone holds
    typed = (await post(browser, "/scan/tonight/check-in", {"code": stolen})).json()
    assert (typed["result"], typed["verdict"]) == ("invalid", "unknown_ticket")
    now = datetime.now(UTC).isoformat()
    as_code = await sync(browser, "gate-x", {"local_id": "x-1", "code": stolen, "scanned_at": now})
    assert as_code[0]["verdict"] == "unknown_ticket"
    assert (await standing(db, door.tickets[0])).checked_in_at is None


async def test_a_ticket_picked_by_name_offline_syncs_by_its_fingerprint(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    salt = (await browser.get("/scan/tonight/bundle")).json()["fingerprint"]["salt"]
    picked = {
        "local_id": "p-1",
        "ticket": sha256(salt + door.tickets[1].code),
        "scanned_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
    }
    verdicts = await sync(browser, "gate-p", picked)
    assert (verdicts[0]["result"], verdicts[0]["label"]) == ("valid", "Stalls left · row A · seat 2")
    assert (await standing(db, door.tickets[1])).checked_in_device == "gate-p"
    unknown = {**picked, "local_id": "p-2", "ticket": sha256(salt + "no-such-code")}
    assert (await sync(browser, "gate-p", unknown))[0]["verdict"] == "unknown_ticket"
    malformed = await post(browser, "/scan/tonight/sync", {"device": "gate-p", "scans": [{**picked, "ticket": "<x>"}]})
    assert malformed.status_code == 400


async def test_a_scan_backdated_before_the_doors_open_is_refused_and_takes_nothing(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    ticket = door.tickets[0]
    real = (await post(browser, "/scan/tonight/check-in", {"code": ticket.code, "device": "gate-1"})).json()
    assert real["result"] == "valid"
    event = await db.get(Event, door.event_id)
    before_doors = event.starts_at - DOORS_OPEN_BEFORE - timedelta(minutes=1)

    backdated = await sync(
        browser, "gate-9", {"local_id": "b-1", "code": door.qr[ticket.code], "scanned_at": before_doors.isoformat()}
    )

    assert (backdated[0]["result"], backdated[0]["verdict"]) == ("invalid", "not_today")
    after = await standing(db, ticket)
    assert after.checked_in_device == "gate-1"
    assert after.checked_in_at == datetime.fromisoformat(real["checked_in_at"])
    logged = await db.scalar(select(Scan).where(Scan.local_id == "b-1"))
    assert (logged.result, logged.scanned_at) == ("invalid", before_doors)  # kept as claimed, never clamped in


async def test_an_offline_claim_cannot_take_a_check_in_the_server_saw_happen(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    ticket = door.tickets[0]
    real = (await post(browser, "/scan/tonight/check-in", {"code": ticket.code, "device": "gate-1"})).json()
    earlier = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()  # inside the doors window, before the real one

    claimed = await sync(browser, "gate-9", {"local_id": "c-1", "code": ticket.code, "scanned_at": earlier})

    assert claimed[0]["result"] == "duplicate"
    assert (claimed[0]["checked_in_device"], claimed[0]["checked_in_at"]) == ("gate-1", real["checked_in_at"])
    assert (await standing(db, ticket)).checked_in_device == "gate-1"
    results = dict((await db.execute(select(Scan.device, Scan.result))).all())
    assert results == {"gate-1": "valid", "gate-9": "duplicate"}


async def test_a_scan_from_a_clock_running_ahead_counts_as_now(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    verdicts = await sync(browser, "gate-f", {"local_id": "f-1", "code": door.tickets[2].code, "scanned_at": tomorrow})
    assert verdicts[0]["result"] == "valid"
    assert (await standing(db, door.tickets[2])).checked_in_at <= datetime.now(UTC)


async def test_logging_out_tells_the_browser_to_wipe_what_it_keeps_for_the_site(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    response = await browser.post_form("/logout")
    assert response.status_code in (302, 303)
    assert response.headers["clear-site-data"] == '"cache", "storage"'
    assert (await browser.get("/scan/tonight/bundle")).status_code in (302, 303, 401)
