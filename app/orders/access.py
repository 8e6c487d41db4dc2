"""The secret in a buyer's order links: an HMAC of the order id, so nothing secret is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def order_token(secret_key: str, order_id: uuid.UUID) -> str:
    digest = hmac.new(secret_key.encode(), f"order:{order_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def token_matches(secret_key: str, order_id: uuid.UUID, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(order_token(secret_key, order_id), token or "")


def new_order_number() -> str:
    """'U' and 8 characters people can read out on the phone (no I, L, O, U)."""
    return "U" + "".join(secrets.choice(_CROCKFORD) for _ in range(8))


def new_ticket_code() -> str:
    return secrets.token_urlsafe(16)  # 128 bits
