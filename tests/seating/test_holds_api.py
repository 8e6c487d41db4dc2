"""The seats and holds API contract, exactly as API users and the benchmark rely on it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from app.seating.models import EventSeat

HOLDS = "/api/v1/events/the-play/holds"


async def hold(client, seats, cart=None):
    headers = {"X-Cart": cart} if cart else {}
    return await client.post(HOLDS, json={"seats": seats}, headers=headers)


async def test_snapshot_lists_every_seat_with_status_category_and_mine(theatre, client):
    response = await client.get("/api/v1/events/the-play/seats")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"seq", "seats"}
    assert len(body["seats"]) == 336
    assert set(body["seats"][0]) == {"key", "status", "category", "mine"}
    assert {s["status"] for s in body["seats"]} == {"available"}


async def test_a_hold_returns_the_cart_token_and_every_seat_the_cart_holds(theatre, client, settings):
    first = await hold(client, ["SC-A-1", "SC-A-2"])
    assert first.status_code == 201
    body = first.json()
    assert body["cart"] == first.headers["x-cart"]
    assert body["seats"] == ["SC-A-1", "SC-A-2"]
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs((expires - datetime.now(UTC)).total_seconds() - settings.hold_ttl_seconds) < 5
    second = await hold(client, ["SC-A-3"], cart=body["cart"])
    assert second.json()["seats"] == ["SC-A-1", "SC-A-2", "SC-A-3"]
    snapshot = (await client.get("/api/v1/events/the-play/seats", headers={"X-Cart": body["cart"]})).json()
    mine = sorted(s["key"] for s in snapshot["seats"] if s["mine"])
    assert mine == ["SC-A-1", "SC-A-2", "SC-A-3"]
    others = (await client.get("/api/v1/events/the-play/seats")).json()
    assert not any(s["mine"] for s in others["seats"])
    assert {s["key"]: s["status"] for s in others["seats"]}["SC-A-1"] == "held"


async def test_a_taken_seat_is_409_with_the_unavailable_keys_and_nothing_is_held(theatre, client, db):
    await hold(client, ["SC-B-5"])
    response = await hold(client, ["SC-B-4", "SC-B-5", "SC-B-6"])
    assert response.status_code == 409
    assert response.json()["unavailable"] == ["SC-B-5"]
    free = await db.scalars(select(EventSeat.status).where(EventSeat.key.in_(["SC-B-4", "SC-B-6"])))
    assert set(free) == {"available"}


async def test_bad_requests_are_clear_4xx_and_change_nothing(theatre, client, settings, db):
    assert (await hold(client, ["NOPE-1"])).status_code == 422
    assert "Unknown seats: NOPE-1" in (await hold(client, ["SC-A-1", "NOPE-1"])).json()["detail"]
    assert (await hold(client, [])).status_code == 422
    too_many = [f"SC-C-{n}" for n in range(1, settings.max_seats_per_cart + 2)]
    assert (await hold(client, too_many)).status_code == 422
    assert (await client.post(HOLDS, content=b"{oops", headers={"Content-Type": "application/json"})).status_code == 400
    assert (await client.post(HOLDS, json={"seat": ["SC-A-1"]})).status_code == 400
    assert (await client.post("/api/v1/events/no-such/holds", json={"seats": ["SC-A-1"]})).status_code == 404
    huge = {"seats": ["x" * 60] * 2000}
    assert (await client.post(HOLDS, json=huge)).status_code == 413
    held = await db.scalar(select(EventSeat.key).where(EventSeat.status != "available"))
    assert held is None


async def test_the_cart_limit_counts_seats_already_held(theatre, client, settings):
    limit = settings.max_seats_per_cart
    cart = (await hold(client, [f"SC-D-{n}" for n in range(1, limit)])).json()["cart"]
    over = await hold(client, ["SC-E-1", "SC-E-2"], cart=cart)
    assert over.status_code == 422
    assert "already hold" in over.json()["detail"]


async def test_a_forged_cart_token_gets_a_new_cart_never_someone_elses(theatre, client):
    victim = (await hold(client, ["SC-F-1"])).json()["cart"]
    forged = victim[:-4] + "0000"
    response = await hold(client, ["SC-F-2"], cart=forged)
    assert response.status_code == 201
    assert response.json()["cart"] != victim
    assert response.json()["seats"] == ["SC-F-2"]
    release = await client.delete("/api/v1/events/the-play/holds/SC-F-1", headers={"X-Cart": forged})
    assert release.status_code == 422


async def test_release_frees_the_seat_for_others_and_is_idempotent(theatre, client):
    cart = (await hold(client, ["SC-G-1"])).json()["cart"]
    for _ in range(2):
        response = await client.delete("/api/v1/events/the-play/holds/SC-G-1", headers={"X-Cart": cart})
        assert response.status_code == 204
    assert (await hold(client, ["SC-G-1"])).status_code == 201
    unknown = await client.delete("/api/v1/events/the-play/holds/ZZ-9", headers={"X-Cart": cart})
    assert unknown.status_code == 404


async def test_someone_elses_hold_cannot_be_released(theatre, client):
    await hold(client, ["SC-H-1"])
    intruder = (await hold(client, ["SC-H-2"])).json()["cart"]
    await client.delete("/api/v1/events/the-play/holds/SC-H-1", headers={"X-Cart": intruder})
    assert (await hold(client, ["SC-H-1"])).status_code == 409


async def test_an_expired_hold_is_available_the_instant_it_expires(theatre, client, db):
    await hold(client, ["SC-J-1"])
    await db.execute(text("UPDATE event_seats SET held_until = now() - interval '1 second' WHERE key = 'SC-J-1'"))
    await db.commit()
    seats = (await client.get("/api/v1/events/the-play/seats")).json()["seats"]
    assert {s["key"]: s["status"] for s in seats}["SC-J-1"] == "available"  # no sweeper has run
    taken_over = await hold(client, ["SC-J-1"])
    assert taken_over.status_code == 201


async def test_cancelled_or_unpublished_events_take_no_holds(theatre, client, db):
    from app.events import service as events
    from app.events.models import EventStatus

    await events.set_status(db, theatre.actor, "the-play", EventStatus.CANCELLED)
    response = await hold(client, ["SC-A-1"])
    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]


async def test_sales_window_is_enforced(theatre, client, db):
    await db.execute(text("UPDATE events SET sales_start_at = now() + interval '1 day'"))
    await db.commit()
    response = await hold(client, ["SC-A-1"])
    assert response.status_code == 409
    assert "not started" in response.json()["detail"]


async def test_holds_are_rate_limited_per_cart(theatre, client, settings):
    cart = (await hold(client, ["SC-K-1"])).json()["cart"]
    statuses = [(await hold(client, ["SC-K-1"], cart=cart)).status_code for _ in range(settings.hold_rate_per_cart)]
    assert statuses[-1] == 429
    assert statuses[0] == 201
