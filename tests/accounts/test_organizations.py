"""Organizations: members, invitations, roles, and that one organization never sees another's data."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from email import policy

from sqlalchemy import func, select

from app.accounts.models import Invitation, Membership, Organization, Role, User
from app.db import create_engine, create_sessionmaker
from app.mail.models import OutboundMail
from app.mail.service import deliver_due_mail, transport_for
from app.main import create_app
from tests.conftest import Browser, _client, field_error, serving


async def _deliver_and_read_link(settings, recipient: str) -> str:
    engine = create_engine(settings.database_url, pool_size=1)
    await deliver_due_mail(create_sessionmaker(engine), transport_for(settings))
    await engine.dispose()
    for path in sorted(settings.mail_dir.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == recipient:
            body = message.get_body(preferencelist=("plain",)).get_content()
            return re.search(r"http://testserver\.local(/invitations/\S+)", body).group(1)
    raise AssertionError(f"no mail to {recipient}")


async def test_an_invited_door_member_joins_by_mail_and_cannot_edit_events(organizer, other_browser, settings, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    invited = await browser.post_form(f"/manage/{org}/members/invite", {"email": "door@example.com", "role": "door"})
    assert invited.status_code == 200 and "Invitation sent to door@example.com" in invited.text
    path = await _deliver_and_read_link(settings, "door@example.com")

    landing = await other_browser.get(path)
    assert "Join Olga Events" in landing.text
    await other_browser.register("door@example.com", "Dora Door")
    accepted = await other_browser.post_form(f"{path}/accept")
    assert accepted.headers["location"] == f"/manage/{org}"
    assert (await other_browser.get(f"/manage/{org}")).status_code == 200
    assert (await other_browser.get(f"/manage/events/{slug}")).status_code == 200  # door staff may look

    edit = await other_browser.post_form(
        f"/manage/events/{slug}",
        {
            "title": "Hijacked",
            "starts_at": "2030-06-01T20:00",
            "ends_at": "2030-06-01T23:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert edit.status_code == 403
    publish = await other_browser.post_form(f"/manage/events/{slug}/status", {"status": "cancelled"}, htmx=True)
    assert publish.status_code == 403
    assert (await other_browser.add_tier(slug)).status_code == 403
    assert (await other_browser.get(f"/manage/{org}/events/new")).status_code == 403
    page = await browser.get(f"/manage/events/{slug}")
    assert "Hijacked" not in page.text


async def test_an_invitation_only_works_for_the_invited_address_and_only_once(organizer, other_browser, settings):
    browser, org = organizer
    await browser.post_form(f"/manage/{org}/members/invite", {"email": "right@example.com", "role": "manager"})
    path = await _deliver_and_read_link(settings, "right@example.com")
    await other_browser.register("wrong@example.com")
    refused = await other_browser.post_form(f"{path}/accept")
    assert refused.status_code == 403
    assert "sent to right@example.com" in refused.text
    assert (await other_browser.get(f"/manage/{org}")).status_code == 404


async def test_managers_cannot_invite_owners_and_bad_invitations_are_field_errors(organizer, db):
    browser, org = organizer
    bad = await browser.post_form(f"/manage/{org}/members/invite", {"email": "nope", "role": "emperor"})
    assert bad.status_code == 422
    assert "not valid" in bad.text and "Choose owner, manager or door." in bad.text


async def test_the_last_owner_cannot_be_removed(organizer, db):
    browser, org = organizer
    membership = await db.scalar(select(Membership))
    response = await browser.post_form(f"/manage/{org}/members/{membership.user_id}/remove")
    assert response.status_code == 409
    assert "at least one owner" in response.text


async def test_organizer_a_cannot_see_or_touch_organizer_b_events(organizer, other_browser):
    browser_a, org_a = organizer
    slug_a = await browser_a.create_event(org_a, title="A's secret draft")
    await other_browser.register("b@example.com", "Bob B")
    org_b = await other_browser.create_organization("Bob Shows")

    for url in (
        f"/manage/{org_a}",
        f"/manage/events/{slug_a}",
        f"/manage/{org_a}/venues",
        f"/manage/{org_a}/members",
        f"/manage/{org_a}/tokens",
        f"/events/{slug_a}",
        f"/events/{slug_a}/cover.jpg",
    ):
        response = await other_browser.get(url)
        assert response.status_code == 404, url
        assert "secret draft" not in response.text
    for url, data in (
        (f"/manage/events/{slug_a}/status", {"status": "cancelled"}),
        (
            f"/manage/events/{slug_a}/tiers",
            {"name": "x", "price": "1", "currency": "EUR", "kind": "ga", "capacity": "1"},
        ),
        (f"/manage/{org_a}/members/invite", {"email": "spy@example.com", "role": "owner"}),
        (f"/manage/{org_a}/events/new", {"title": "Planted"}),
    ):
        response = await other_browser.post_form(url, data, htmx=True)
        assert response.status_code == 404, url
    assert (await other_browser.get(f"/manage/{org_b}")).status_code == 200
    own = await browser_a.get(f"/manage/events/{slug_a}")
    assert own.status_code == 200 and "Planted" not in (await browser_a.get(f"/manage/{org_a}")).text


async def test_pages_for_organizers_send_visitors_to_log_in(browser):
    response = await browser.get("/manage")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=%2Fmanage"


async def test_invitations_are_rate_limited_per_inviter_and_per_organization_but_outsiders_use_up_nothing(settings, db):
    limited = replace(settings, invitation_rate_per_user=2, invitation_rate_per_organization=4)
    async with serving(create_app(limited)) as app, _client(app) as a, _client(app) as b, _client(app) as m:
        owner, outsider, manager = Browser(a), Browser(b), Browser(m)
        await owner.register("olga@example.com", "Olga Owner")
        org = await owner.create_organization("Olga Events")
        await manager.register("mia@example.com", "Mia Manager")
        await outsider.register("bob@example.com", "Bob Outsider")
        org_id = await db.scalar(select(Organization.id).where(Organization.slug == org))
        mia = await db.scalar(select(User.id).where(User.email == "mia@example.com"))
        db.add(Membership(organization_id=org_id, user_id=mia, role=Role.MANAGER))
        await db.commit()

        async def invite(browser: Browser, address: str):
            return await browser.post_form(f"/manage/{org}/members/invite", {"email": address, "role": "door"})

        assert (await invite(owner, "one@example.com")).status_code == 200
        assert (await invite(owner, "two@example.com")).status_code == 200
        refused = await invite(owner, "three@example.com")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        said = field_error(refused.text, "email")
        assert said.startswith("You have sent too many invitations lately.") and "Try again in" in said
        assert 'value="three@example.com"' in refused.text  # the form keeps what was typed

        for n in range(5):
            assert (await invite(outsider, f"spam{n}@example.com")).status_code == 404
        assert (await invite(manager, "four@example.com")).status_code == 200
        org_wide = await invite(manager, "five@example.com")
        assert org_wide.status_code == 429
        assert "This organization has sent too many invitations lately." in field_error(org_wide.text, "email")

    invited = await db.scalars(select(Invitation.email).order_by(Invitation.email))
    assert list(invited) == ["four@example.com", "one@example.com", "two@example.com"]
    assert await db.scalar(select(func.count()).select_from(OutboundMail)) == 3


async def test_a_withdrawn_invitation_is_a_confirmed_step_and_its_link_stops_working(
    organizer, other_browser, settings
):
    browser, org = organizer
    await browser.post_form(f"/manage/{org}/members/invite", {"email": "late@example.com", "role": "door"})
    path = await _deliver_and_read_link(settings, "late@example.com")
    members = (await browser.get(f"/manage/{org}/members")).text
    row = members[members.index('data-testid="invitation-row"') :]
    assert '<details class="confirm">' in row and "The link sent to late@example.com stops working" in row
    action = re.search(r'action="(/manage/[^"]+/withdraw)"', row).group(1)
    withdrawn = await browser.post_form(action)
    assert withdrawn.status_code == 200 and "The invitation to late@example.com is withdrawn" in withdrawn.text
    assert 'data-testid="invitation-row"' not in withdrawn.text
    assert (await browser.post_form(action)).status_code == 404  # once
    await other_browser.register("late@example.com")
    assert (await other_browser.get(path)).status_code == 404
