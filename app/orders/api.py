"""JSON API for orders: place one from a cart (X-Cart), read it as its buyer (X-Order-Token) or organizer."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.api_schema import CART_TOKEN, TOKEN_OPTIONAL, refusals
from app.config import Settings
from app.errors import ValidationFailed
from app.events.models import Event
from app.events.service import get_public_event
from app.orders import checkout as placing
from app.orders.access import order_for_viewer, order_token
from app.orders.commands import announce_placed, settle_if_free
from app.orders.models import Order
from app.seating.carts import cart_from_token


class OrderRequest(msgspec.Struct, forbid_unknown_fields=True):
    event: str
    email: str
    name: str
    promo_code: str = ""
    # Seat or area key -> price type ("Child"); a line not named gets its category's default (first) price type.
    price_types: dict[str, str] = {}


class OrderLineOut(msgspec.Struct):
    kind: str
    key: str
    label: str
    tier: str
    quantity: int
    unit_price_minor: int
    price_type: str


class OrderOut(msgspec.Struct):
    number: str
    status: str
    event: str
    buyer_email: str
    currency: str
    subtotal_minor: int
    discount_minor: int
    fee_minor: int
    total_minor: int
    expires_at: datetime
    paid_at: datetime | None
    lines: list[OrderLineOut]
    pay_url: str
    order_url: str


def _out(order: Order, event_slug: str, settings: Settings) -> OrderOut:
    token = order_token(settings.secret_key, order.id)
    return OrderOut(
        number=order.number,
        status=order.status,
        event=event_slug,
        buyer_email=order.buyer_email,
        currency=order.currency,
        subtotal_minor=order.subtotal_minor,
        discount_minor=order.discount_minor,
        fee_minor=order.fee_minor,
        total_minor=order.total_minor,
        expires_at=order.expires_at,
        paid_at=order.paid_at,
        lines=[
            OrderLineOut(ln.kind, ln.key, ln.label, ln.tier_name, ln.quantity, ln.unit_price_minor, ln.price_type)
            for ln in order.lines
        ],
        pay_url=f"{settings.base_url}/orders/{order.number}/pay?k={token}",
        order_url=f"{settings.base_url}/orders/{order.number}?k={token}",
    )


ORDER_TOKEN = Parameter(
    header="X-Order-Token",
    default=None,
    description="The order's key (from placing it, or ?k= of its links); an organizer may send a bearer token instead.",
)


@post(
    "/orders",
    summary="Place an order from the cart in X-Cart (its holds move to the order)",
    response_headers=[
        ResponseHeader(
            name="X-Order-Token",
            documentation_only=True,
            value="",  # gives the documented header its string schema; the route sets the real value
            required=True,
            description="The order's key: send it in X-Order-Token to read the order.",
        )
    ],
    responses={
        **refusals(400, 404, 409, 422, 429),
        200: ResponseSpec(OrderOut, description="The cart's order was already placed (a repeated request)"),
    },
)
async def create_order(
    request: Request, db: AsyncSession, settings: Settings, data: OrderRequest, x_cart: str | None = CART_TOKEN
) -> Response[OrderOut]:
    cart_id = cart_from_token(settings.secret_key, x_cart)
    if cart_id is None:
        raise ValidationFailed({"X-Cart": "Send the cart token your holds were made with."})
    event = await get_public_event(db, data.event)
    form = placing.validate_checkout(data.email, data.name, data.promo_code, {}, data.price_types)
    limits = placing.CheckoutLimits.of(request, settings)
    placed = await placing.place_order(db, event, cart_id, form, settings=settings, user_id=None, limits=limits)
    await announce_placed(request.app.state, event.id, placed.changes)
    await settle_if_free(db, settings, request.app.state, placed.order)
    token = order_token(settings.secret_key, placed.order.id)
    return Response(
        _out(placed.order, event.slug, settings),
        status_code=200 if placed.reused else 201,
        headers={"X-Order-Token": token},
    )


@get(
    "/orders/{number:str}",
    summary="An order, for its buyer (X-Order-Token) or its organizer (bearer token)",
    security=TOKEN_OPTIONAL,
    responses=refusals(400, 401, 404),
)
async def get_order(
    db: AsyncSession, settings: Settings, actor: Actor, number: str, x_order_token: str | None = ORDER_TOKEN
) -> OrderOut:
    order = await order_for_viewer(db, settings.secret_key, actor, number, x_order_token)
    event = await db.get(Event, order.event_id)
    return _out(order, event.slug, settings)


order_api_routes = [Router(path="/api/v1", tags=["orders"], route_handlers=[create_order, get_order])]
