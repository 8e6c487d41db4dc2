"""Security headers on every response, errors and 404s included: a Content-Security-Policy without inline script,
no framing, no Referer (ticket, order and reset URLs carry secrets), no MIME sniffing, HSTS when served over https."""

from __future__ import annotations

import re

from litestar.types import Message, Scope

from app.config import Settings

# Stripe's Payment Element: its script, the frames it draws the card form and 3-D Secure in, and its API.
_STRIPE = {
    "script-src": "https://js.stripe.com https://*.js.stripe.com",
    "frame-src": "https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com",
    "connect-src": "https://api.stripe.com",
    "img-src": "https://*.stripe.com",
}
_STRIPE_PAGES = re.compile(r"^/orders/[^/]+/pay$")
HSTS_SECONDS = 365 * 24 * 3600


def content_security_policy(*, stripe: bool = False) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        # Seat colours and fragments carry style attributes and small <style> blocks; styles cannot run script.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "font-src": "'self'",
        "frame-src": "'none'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if stripe:
        for name, sources in _STRIPE.items():
            directives[name] = sources if directives[name] == "'none'" else f"{directives[name]} {sources}"
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


class SecurityHeaders:
    """A before-send hook (Litestar calls it for every message of every response, even those no route answered)."""

    def __init__(self, settings: Settings) -> None:
        common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        }
        if settings.base_url.startswith("https://"):
            common["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
        self._default = _encoded({**common, "Content-Security-Policy": content_security_policy()})
        self._stripe = _encoded({**common, "Content-Security-Policy": content_security_policy(stripe=True)})

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = message["headers"] = list(message.get("headers", ()))
        added = self._stripe if _STRIPE_PAGES.match(scope["path"]) else self._default
        present = {name.lower() for name, _ in headers}
        headers.extend(header for header in added if header[0] not in present)
