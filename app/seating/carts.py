"""Cart tokens: a cart id plus an HMAC, so a visitor can only ever present a cart the server gave out."""

from __future__ import annotations

import hashlib
import hmac
import uuid

CART_COOKIE = "usher_cart"


def _mac(secret: str, cart_id: uuid.UUID) -> str:
    return hmac.new(secret.encode(), b"cart:" + cart_id.bytes, hashlib.sha256).hexdigest()[:32]


def sign_cart(secret: str, cart_id: uuid.UUID) -> str:
    return f"{cart_id.hex}.{_mac(secret, cart_id)}"


def cart_from_token(secret: str, token: str | None) -> uuid.UUID | None:
    """The cart id of a genuine token; None for missing, malformed or forged ones (the caller starts a new cart).
    Non-ASCII text is malformed: hmac.compare_digest refuses to compare it."""
    if not token or "." not in token or len(token) > 80 or not token.isascii():
        return None
    raw_id, mac = token.split(".", 1)
    try:
        cart_id = uuid.UUID(hex=raw_id)
    except ValueError:
        return None
    return cart_id if hmac.compare_digest(mac, _mac(secret, cart_id)) else None


def holder_tag(secret: str, cart_id: uuid.UUID) -> str:
    """A short public tag for 'held by this cart' in live updates; reveals nothing usable about the cart."""
    return hmac.new(secret.encode(), b"tag:" + cart_id.bytes, hashlib.sha256).hexdigest()[:10]
