"""API tokens: they act only for their own organization, and only while the person who made them may make them."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import delete, select, update

from app.accounts.actor import Actor, OrgRef
from app.accounts.models import Membership, Organization, Role, User
from app.accounts.organizations import create_api_token
from tests.seating.conftest import SeatedEvent, make_seated_event


async def _guest_order(client, slug: str) -> tuple[str, str]:
    """(number, buyer's key) of an order placed anonymously through the API, so it has no user."""
    cart = (await client.post(f"/api/v1/events/{slug}/holds", json={"seats": ["SL-G-1"]})).headers["x-cart"]
    body = {"event": slug, "email": "guest@example.com", "name": "Grace Guest"}
    placed = await client.post("/api/v1/orders", json=body, headers={"X-Cart": cart})
    assert placed.status_code == 201, placed.text
    return placed.json()["number"], placed.headers["x-order-token"]


async def _token(db, event: SeatedEvent) -> dict[str, str]:
    secret = await create_api_token(db, event.actor, event.actor.organizations[0].id, name="box office")
    return {"Authorization": f"Bearer {secret}"}


async def test_an_api_token_cannot_read_another_organizations_guest_order(db, client):
    ours = await make_seated_event(db, slug="the-play")
    theirs = await make_seated_event(db, slug="other-play")
    number, key = await _guest_order(client, "the-play")

    snooping = await client.get(f"/api/v1/orders/{number}", headers=await _token(db, theirs))
    assert snooping.status_code == 404
    assert key not in snooping.text and "guest@example.com" not in snooping.text

    organizer = await client.get(f"/api/v1/orders/{number}", headers=await _token(db, ours))
    assert organizer.status_code == 200 and organizer.json()["buyer_email"] == "guest@example.com"


async def _member(db, event: SeatedEvent, name: str, role: Role) -> Actor:
    """A second person in the event's organization, as the services see them."""
    user = User(id=uuid.uuid4(), email=f"{uuid.uuid4().hex[:8]}@example.com", name=name, password_hash="x")
    db.add(user)
    await db.flush()
    org = event.actor.organizations[0]
    db.add(Membership(organization_id=org.id, user_id=user.id, role=role))
    await db.commit()
    return Actor(
        user_id=user.id, name=name, email=user.email, organizations=(OrgRef(org.id, org.slug, org.name, role),)
    )


async def test_api_tokens_stop_working_when_their_maker_leaves_is_demoted_or_is_suspended(db, client):
    event = await make_seated_event(db, slug="the-play")
    org_id = event.actor.organizations[0].id
    makers = {
        "leaves": await _member(db, event, "Lena Leaves", Role.MANAGER),
        "demoted": await _member(db, event, "Dirk Demoted", Role.MANAGER),
        "suspended": await _member(db, event, "Sam Suspended", Role.MANAGER),
        "deleted": await _member(db, event, "Del Deleted", Role.MANAGER),
        "stays": await _member(db, event, "Stella Stays", Role.MANAGER),
    }
    tokens = {
        why: {"Authorization": f"Bearer {await create_api_token(db, maker, org_id, name=why)}"}
        for why, maker in makers.items()
    }
    for auth in tokens.values():
        assert (await client.get("/api/v1/events/the-play", headers=auth)).status_code == 200

    await db.execute(delete(Membership).where(Membership.user_id == makers["leaves"].user_id))
    await db.execute(update(Membership).where(Membership.user_id == makers["demoted"].user_id).values(role=Role.DOOR))
    await db.execute(update(User).where(User.id == makers["suspended"].user_id).values(is_suspended=True))
    await db.execute(delete(User).where(User.id == makers["deleted"].user_id))
    await db.commit()

    for why in ("leaves", "demoted", "suspended", "deleted"):
        refused = await client.get("/api/v1/events/the-play", headers=tokens[why])
        assert refused.status_code == 401, why
        assert refused.json()["detail"] == "Invalid or revoked API token."
        blocked = await client.post("/api/v1/events/the-play/blocks", json={"seats": ["SC-A-1"]}, headers=tokens[why])
        assert blocked.status_code == 401, why
    assert (await client.get("/api/v1/events/the-play", headers=tokens["stays"])).status_code == 200

    # Made a manager again, the demoted maker's token works again: the check is made at every request.
    await db.execute(
        update(Membership).where(Membership.user_id == makers["demoted"].user_id).values(role=Role.MANAGER)
    )
    await db.commit()
    assert (await client.get("/api/v1/events/the-play", headers=tokens["demoted"])).status_code == 200


def _token_rows(page: str) -> list[str]:
    return re.findall(r'<tr[^>]*data-testid="token-row">(.*?)</tr>', page, re.S)


async def test_a_removed_managers_token_dies_and_the_tokens_page_says_who_made_each(
    organizer, other_browser, db, client
):
    owner, org = organizer
    draft = await owner.create_event(org, title="Unannounced")
    await other_browser.register("mia@example.com", "Mia Manager")
    mia = await db.scalar(select(User.id).where(User.email == "mia@example.com"))
    db.add(Membership(organization_id=await db.scalar(select(Organization.id)), user_id=mia, role=Role.MANAGER))
    await db.commit()
    made = await other_browser.post_form(f"/manage/{org}/tokens", {"name": "ticket desk"})
    auth = {"Authorization": "Bearer " + re.search(r'data-testid="new-token">([^<]+)<', made.text).group(1)}
    await owner.post_form(f"/manage/{org}/tokens", {"name": "website"})
    assert (await client.get(f"/api/v1/events/{draft}", headers=auth)).json()["title"] == "Unannounced"

    rows = _token_rows((await owner.get(f"/manage/{org}/tokens")).text)
    assert len(rows) == 2
    desk = next(row for row in rows if "ticket desk" in row)
    assert "Mia Manager" in desk and "stopped" not in desk
    assert "Olga Owner" in next(row for row in rows if "website" in row)

    removed = await owner.post_form(f"/manage/{org}/members/{mia}/remove")
    assert removed.status_code in (302, 303)
    refused = await client.get(f"/api/v1/events/{draft}", headers=auth)
    assert refused.status_code == 401 and "Unannounced" not in refused.text

    desk = next(row for row in _token_rows((await owner.get(f"/manage/{org}/tokens")).text) if "desk" in row)
    assert "Mia Manager" in desk and "stopped: its maker is no longer an owner or manager here" in desk
