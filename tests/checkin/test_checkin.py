"""Door check-in: first scan wins, every verdict is right and logged, offline scans reconcile."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import func, select, update

from app.accounts.models import Role
from app.checkin.models import Scan
from app.checkin.verdicts import DOORS_CLOSE_AFTER, DOORS_OPEN_BEFORE, VerdictCode, messages
from app.config import PROJECT_ROOT
from app.events.models import Event
from app.tickets.models import Ticket
from tests.checkin.conftest import door_staff, log_in
from tests.seating.conftest import make_seated_event


async def scan(browser, slug: str, code: str, device: str = "gate-1"):
    token = await browser.csrf_token()
    return await browser.client.post(
        f"/scan/{slug}/check-in", json={"code": code, "device": device}, headers={"X-CSRFToken": token}
    )


async def test_the_first_scan_is_valid_and_the_next_says_when_where_and_by_whom(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    page = await browser.get("/scan/tonight")
    assert page.status_code == 200 and 'rel="manifest"' in page.text
    ticket = door.tickets[0]
    first = (await scan(browser, "tonight", door.qr[ticket.code])).json()
    assert first["result"] == "valid" and first["label"] == "Stalls left · row A · seat 1"
    assert first["attendee"] == "Ada Lovelace"
    again = (await scan(browser, "tonight", door.qr[ticket.code], device="gate-2")).json()
    assert again["result"] == "duplicate"
    assert (again["checked_in_by"], again["checked_in_device"]) == ("Dora Door", "gate-1") and again["checked_in_at"]
    typed = (await scan(browser, "tonight", door.tickets[1].code)).json()  # a typed ticket code works too
    assert typed["result"] == "valid"
    results = Counter(await db.scalars(select(Scan.result)))
    assert results == Counter({"valid": 2, "duplicate": 1})


async def test_two_scanners_racing_for_one_ticket_exactly_one_wins(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    code = door.qr[door.tickets[0].code]
    await browser.csrf_token()
    start = asyncio.Event()

    async def attempt(n):
        await start.wait()
        return (await scan(browser, "tonight", code, device=f"gate-{n}")).json()["result"]

    tasks = [asyncio.create_task(attempt(n)) for n in range(20)]
    start.set()
    assert Counter(await asyncio.gather(*tasks)) == Counter({"valid": 1, "duplicate": 19})


async def test_forged_foreign_refunded_and_unreadable_codes_are_invalid_with_a_reason(door, browser, db, settings):
    await log_in(browser, db, await door_staff(db, door))
    qr = door.qr[door.tickets[0].code]
    prefix, payload, signature = qr.split(".")
    tampered = f"{prefix}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    assert (await scan(browser, "tonight", tampered)).json()["reason"] in (
        "Forged or altered code.",
        "Unreadable code.",
    )
    forged = f"{prefix}.{payload}.{signature[:-3]}AAA"
    assert (await scan(browser, "tonight", forged)).json()["reason"] == "Forged or altered code."
    assert (await scan(browser, "tonight", "garbage")).json()["reason"] == "Unknown ticket."
    assert (await scan(browser, "tonight", "x" * 500)).json()["reason"] == "Unreadable code."
    await db.execute(update(Ticket).where(Ticket.id == door.tickets[2].id).values(status="void"))
    await db.commit()
    refunded = (await scan(browser, "tonight", door.qr[door.tickets[2].code])).json()
    assert refunded["result"] == "invalid" and "refunded" in refunded["reason"]
    # a ticket of another event of the same organizer
    other = await make_seated_event(db, slug="other-night")
    await db.execute(update(Event).where(Event.id == other.id).values(organization_id=door.owner.organizations[0].id))
    await db.execute(
        update(Event)
        .where(Event.id == other.id)
        .values(starts_at=datetime.now(UTC), ends_at=datetime.now(UTC) + timedelta(hours=2))
    )
    await db.commit()
    foreign = (await scan(browser, "other-night", qr)).json()
    assert foreign["result"] == "invalid" and "another event" in foreign["reason"]
    assert await db.scalar(select(func.count()).select_from(Scan).where(Scan.result == "invalid")) == 6
    assert await db.scalar(select(func.count()).select_from(Ticket).where(Ticket.checked_in_at.is_not(None))) == 0


async def move_to_three_days_ahead(db) -> Event:
    await db.execute(
        update(Event).values(
            starts_at=datetime.now(UTC) + timedelta(days=3), ends_at=datetime.now(UTC) + timedelta(days=3, hours=3)
        )
    )
    await db.commit()
    return await db.scalar(select(Event).where(Event.slug == "tonight").execution_options(populate_existing=True))


async def test_an_event_that_is_not_today_turns_tickets_away(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    event = await move_to_three_days_ahead(db)
    verdict = (await scan(browser, "tonight", door.qr[door.tickets[0].code])).json()
    assert verdict["result"] == "invalid" and "not today" in verdict["reason"]
    assert verdict["verdict"] == VerdictCode.NOT_TODAY and verdict["reason"] == VerdictCode.NOT_TODAY.message(event)
    assert await db.scalar(select(Scan.reason)) == VerdictCode.NOT_TODAY  # the log keeps the code


async def test_an_offline_scan_before_the_doors_open_is_refused_as_an_online_one(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    event = await move_to_three_days_ahead(db)
    online = (await scan(browser, "tonight", door.tickets[0].code)).json()
    token = await browser.csrf_token()
    offline_scan = {
        "local_id": "early-1",
        "code": door.qr[door.tickets[1].code],
        "scanned_at": datetime.now(UTC).isoformat(),
    }
    synced = await browser.client.post(
        "/scan/tonight/sync", json={"device": "gate-a", "scans": [offline_scan]}, headers={"X-CSRFToken": token}
    )
    offline = synced.json()["verdicts"][0]
    bundle = (await browser.get("/scan/tonight/bundle")).json()
    words = bundle["verdicts"]["not_today"]
    assert words == VerdictCode.NOT_TODAY.message(event)
    for verdict in (online, offline):
        assert (verdict["result"], verdict["verdict"], verdict["reason"]) == ("invalid", "not_today", words)
    assert await db.scalar(select(func.count()).select_from(Ticket).where(Ticket.checked_in_at.is_not(None))) == 0
    opens = datetime.fromisoformat(bundle["doors"]["open_at"])
    assert opens == event.starts_at - DOORS_OPEN_BEFORE > datetime.now(UTC)  # what the scanner refuses by, offline
    assert datetime.fromisoformat(bundle["doors"]["close_at"]) == event.ends_at + DOORS_CLOSE_AFTER


async def test_offline_scans_sync_once_and_the_earliest_scan_wins(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    code = door.qr[door.tickets[0].code]
    now = datetime.now(UTC)
    token = await browser.csrf_token()

    async def sync(device, scans):
        response = await browser.client.post(
            "/scan/tonight/sync", json={"device": device, "scans": scans}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 201 or response.status_code == 200, response.text
        return [v["result"] for v in response.json()["verdicts"]]

    later = {"local_id": "b-1", "code": code, "scanned_at": (now - timedelta(minutes=1)).isoformat()}
    earlier = {"local_id": "a-1", "code": code, "scanned_at": (now - timedelta(minutes=5)).isoformat()}
    other = {"local_id": "a-2", "code": door.tickets[1].code, "scanned_at": (now - timedelta(minutes=4)).isoformat()}
    assert await sync("gate-b", [later]) == ["valid"]
    assert await sync("gate-a", [earlier, other]) == ["valid", "valid"]  # earlier than gate-b's: it wins
    assert await sync("gate-a", [earlier, other]) == ["valid", "valid"]  # a retried sync repeats nothing
    scans = dict((await db.execute(select(Scan.local_id, Scan.result))).all())
    assert scans == {"b-1": "duplicate", "a-1": "valid", "a-2": "valid"}
    ticket = await db.scalar(
        select(Ticket).where(Ticket.id == door.tickets[0].id).execution_options(populate_existing=True)
    )
    assert ticket.checked_in_device == "gate-a"


async def test_lookup_bundle_and_undo(door, browser, other_browser, db):
    await log_in(browser, db, await door_staff(db, door))
    found = (await browser.get("/scan/tonight/lookup?q=ada")).json()["tickets"]
    assert len(found) == 3 and {t["attendee"] for t in found} == {"Ada Lovelace"}
    by_email = (await browser.get("/scan/tonight/lookup?q=ada@example.com")).json()["tickets"]
    assert len(by_email) == 3
    bundle = (await browser.get("/scan/tonight/bundle")).json()
    assert len(bundle["tickets"]) == 3 and bundle["public_key"]
    assert "@" not in str(bundle)  # no e-mail addresses leave with the scanner
    code = door.tickets[0].code
    await scan(browser, "tonight", code)
    token = await browser.csrf_token()
    refused = await browser.client.post(
        "/scan/tonight/undo", json={"code": code, "reason": "wrong person"}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 403  # door staff cannot undo
    await log_in(other_browser, db, await door_staff(db, door, Role.MANAGER))
    token = await other_browser.csrf_token()
    undone = await other_browser.client.post(
        "/scan/tonight/undo", json={"code": code, "reason": "wrong person"}, headers={"X-CSRFToken": token}
    )
    assert undone.status_code == 200
    assert (await scan(browser, "tonight", code)).json()["result"] == "valid"
    assert await db.scalar(select(Scan.reason).where(Scan.result == "undone")) == "wrong person"


async def test_other_organizations_cannot_scan_or_download(door, browser, db):
    stranger = await make_seated_event(db, slug="stranger")
    await log_in(browser, db, stranger.actor.user_id)
    assert (await browser.get("/scan/tonight")).status_code == 404
    assert (await browser.get("/scan/tonight/bundle")).status_code == 404
    assert (await scan(browser, "tonight", door.tickets[0].code)).status_code == 404
    assert await db.scalar(select(func.count()).select_from(Scan)) == 0


async def test_the_dashboard_counts_check_ins_by_tier_and_section(door, browser, db):
    await log_in(browser, db, door.owner.user_id)
    await scan(browser, "tonight", door.tickets[0].code)
    await scan(browser, "tonight", "garbage")
    page = await browser.get("/manage/events/tonight/checkins")
    assert page.status_code == 200
    assert 'data-testid="checked-in">1<' in page.text and 'data-testid="sold">3<' in page.text
    assert "Stalls left" in page.text and "Unknown ticket." in page.text


async def test_offline_scans_with_a_clock_without_timezone_are_taken_as_utc(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    token = await browser.csrf_token()
    naive = (datetime.now(UTC) - timedelta(minutes=2)).replace(tzinfo=None).isoformat()
    response = await browser.client.post(
        "/scan/tonight/sync",
        json={"device": "old-phone", "scans": [{"local_id": "n-1", "code": door.tickets[0].code, "scanned_at": naive}]},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200 and response.json()["verdicts"][0]["result"] == "valid"


async def test_the_offline_bundle_carries_every_verdict_code_with_its_words(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    bundle = (await browser.get("/scan/tonight/bundle")).json()
    event = await db.get(Event, door.event_id)
    assert bundle["verdicts"] == messages(event)
    assert set(bundle["verdicts"]) == {code.value for code in VerdictCode}
    assert "not today (it starts" in bundle["verdicts"]["not_today"]  # the start time filled in, as online
    assert bundle["verdicts"]["forged"] == "Forged or altered code."


def test_the_scanner_script_knows_no_verdict_words_of_its_own_and_only_codes_of_the_list():
    script = (PROJECT_ROOT / "static" / "js" / "scanner.js").read_text()
    for code in VerdictCode:
        assert code.template.split("{")[0] not in script, code
    used = set(re.findall(r'refused = "([a-z_]+)"', script)) | set(re.findall(r'say\("([a-z_]+)"\)', script))
    assert used and used <= {code.value for code in VerdictCode}
    assert "not_today" in used  # the doors rule applies offline too


async def test_a_superseded_scan_and_a_retried_sync_keep_their_codes(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    token = await browser.csrf_token()
    now = datetime.now(UTC)
    code = door.tickets[0].code

    async def sync(device, local_id, minutes_ago):
        scans = [{"local_id": local_id, "code": code, "scanned_at": (now - timedelta(minutes=minutes_ago)).isoformat()}]
        response = await browser.client.post(
            "/scan/tonight/sync", json={"device": device, "scans": scans}, headers={"X-CSRFToken": token}
        )
        return response.json()["verdicts"][0]["verdict"]

    assert await sync("gate-b", "b-1", 1) == "valid"
    assert await sync("gate-a", "a-1", 5) == "valid"
    assert await sync("gate-b", "b-1", 1) == "superseded"  # answered again from the log, not repeated
    logged = dict((await db.execute(select(Scan.local_id, Scan.reason))).all())
    assert logged == {"b-1": VerdictCode.SUPERSEDED, "a-1": VerdictCode.VALID}


async def test_door_staff_search_wildcards_literally_and_cannot_open_order_pages(door, browser, db):
    from app.orders.models import Order

    await log_in(browser, db, await door_staff(db, door))
    for wildcard in ("%%", "__", "%_%"):
        assert (await browser.get(f"/scan/tonight/lookup?q={quote(wildcard)}")).json()["tickets"] == []
    number = await db.scalar(select(Order.number).where(Order.id == door.tickets[0].order_id))
    assert (await browser.get(f"/orders/{number}")).status_code == 404  # the order page carries the buyer's link


async def test_a_sync_mixing_times_with_and_without_a_zone_is_judged_not_refused_with_a_500(door, browser, db):
    await log_in(browser, db, await door_staff(db, door))
    now = datetime.now(UTC)
    scans = [
        {"local_id": "z-1", "code": door.tickets[0].code, "scanned_at": (now - timedelta(minutes=2)).isoformat()},
        {"local_id": "z-2", "code": door.tickets[1].code, "scanned_at": now.replace(tzinfo=None).isoformat()},
    ]
    token = await browser.csrf_token()
    answer = await browser.client.post(
        "/scan/tonight/sync", json={"device": "gate-z", "scans": scans}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200
    assert [v["result"] for v in answer.json()["verdicts"]] == ["valid", "valid"]
