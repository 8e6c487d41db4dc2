"""Per-event checkout settings organizers control: service fee, attendee details, promo codes."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import NotFound
from app.events.models import Event
from app.events.service import get_event_for
from app.money import parse_amount
from app.orders.models import PromoCode, PromoKind
from app.timeutil import local_to_utc
from app.validation import FieldErrors

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


async def update_fees(
    session: AsyncSession, actor: Actor, slug: str, *, percent: str, fixed: str, collect_attendees: bool
) -> Event:
    event = await get_event_for(session, actor, slug, Role.MANAGER)
    errors = FieldErrors()
    currency = event.tiers[0].currency if event.tiers else "EUR"
    percent_bp = errors.basis_points("fee_percent", percent)
    try:
        fixed_minor = parse_amount((fixed or "0").strip() or "0", currency)
    except ValueError as exc:
        errors.add("fee_fixed", str(exc))
        fixed_minor = 0
    if fixed_minor < 0:
        errors.add("fee_fixed", "The fee cannot be negative.")
    errors.raise_if_any()
    event.fee_percent_bp, event.fee_fixed_minor, event.collect_attendees = percent_bp, fixed_minor, collect_attendees
    await session.commit()
    return event


async def event_promos(session: AsyncSession, event: Event) -> list[PromoCode]:
    return list(
        (await session.scalars(select(PromoCode).where(PromoCode.event_id == event.id).order_by(PromoCode.code))).all()
    )


def _local(errors: FieldErrors, name: str, value: str | None, timezone: str) -> datetime | None:
    parsed = errors.local_datetime(name, value, required=False)
    return local_to_utc(parsed, timezone) if parsed and parsed.tzinfo is None else parsed


async def create_promo(session: AsyncSession, actor: Actor, slug: str, form: dict) -> PromoCode:
    event = await get_event_for(session, actor, slug, Role.MANAGER)
    errors = FieldErrors()
    code = (form.get("code") or "").strip().upper()
    if not _CODE.match(code):
        errors.add("code", "3 to 40 letters, digits, - or _.")
    elif await session.scalar(select(PromoCode.id).where(PromoCode.event_id == event.id, PromoCode.code == code)):
        errors.add("code", "This event already has that code.")
    kind = form.get("kind")
    currency = event.tiers[0].currency if event.tiers else "EUR"
    value = 0
    if kind == PromoKind.PERCENT:
        value = errors.integer("value", form.get("value"), minimum=1, maximum=100) or 0
    elif kind == PromoKind.FIXED:
        try:
            value = parse_amount((form.get("value") or "").strip(), currency)
        except ValueError as exc:
            errors.add("value", str(exc))
        if value <= 0:
            errors.add("value", "Enter an amount above zero.")
    else:
        errors.add("kind", "Choose percent or a fixed amount.")
    max_uses = errors.integer("max_uses", form.get("max_uses"), minimum=1, maximum=1_000_000, required=False)
    valid_from = _local(errors, "valid_from", form.get("valid_from"), event.timezone)
    valid_until = _local(errors, "valid_until", form.get("valid_until"), event.timezone)
    if valid_from and valid_until and valid_until <= valid_from:
        errors.add("valid_until", "Must be after the start.")
    errors.raise_if_any()
    promo = PromoCode(
        event_id=event.id,
        code=code,
        kind=kind,
        value=value,
        max_uses=max_uses,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    session.add(promo)
    await session.commit()
    return promo


async def set_promo_active(session: AsyncSession, actor: Actor, slug: str, code: str, active: bool) -> None:
    event = await get_event_for(session, actor, slug, Role.MANAGER)
    promo = await session.scalar(select(PromoCode).where(PromoCode.event_id == event.id, PromoCode.code == code))
    if promo is None:
        raise NotFound("Promo code not found.")
    promo.active = active
    await session.commit()
