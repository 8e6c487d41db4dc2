"""What every route shares: the database session and settings, page rendering and the one error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar_htmx import HTMXTemplate
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import session_scope
from app.errors import DomainError, LoginRequired, RateLimited, ServiceUnavailable, ValidationFailed

log = logging.getLogger(__name__)
# How long a client is asked to wait after a 503 (a lost database connection, a full pool).
SERVICE_RETRY_SECONDS = 2


# --- dependencies -----------------------------------------------------------------------------------------


async def provide_db(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.sessionmaker):
        yield session


def provide_settings(request: Request) -> Settings:
    return request.app.state.settings


# --- rendering ---------------------------------------------------------------------------------------------


def page(template_name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Template:
    return HTMXTemplate(template_name=template_name, context=context, status_code=status_code, headers=headers)


def form_errors(template_name: str, error: ValidationFailed, **context: Any) -> Template:
    """Re-render a form with its field errors and what the user typed (422; htmx is set to swap it)."""
    return page(
        template_name,
        status_code=error.status_code,
        errors=error.errors,
        error_message=error.message,
        **context,
    )


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "") and "text/html" not in request.headers.get("accept", "")
    )


def _error_response(
    request: Request,
    status_code: int,
    message: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    headers = dict(headers or {})
    if wants_json(request):
        body: dict[str, Any] = {"detail": message, "status_code": status_code}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=status_code, headers=headers)
    if request.headers.get("hx-request"):
        # Fragments show errors in the page's flash area instead of replacing the element that asked.
        headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        return Template(
            "_flash.html",
            context={"message": message, "level": "error"},
            status_code=status_code,
            headers=headers,
        )
    return Template(
        "error.html",
        context={"message": message, "status_code": status_code},
        status_code=status_code,
        headers=headers,
    )


def handle_domain_error(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, LoginRequired) and not wants_json(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")
        if request.headers.get("hx-request"):
            return Response(b"", status_code=200, headers={"HX-Redirect": f"/login?next={target}"})
        return Redirect(f"/login?next={target}")
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, ServiceUnavailable):
        headers = {"Retry-After": str(SERVICE_RETRY_SECONDS)}
    errors = exc.errors if isinstance(exc, ValidationFailed) else None
    return _error_response(request, exc.status_code, exc.message, errors, headers)


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    message = exc.detail
    errors = None
    if isinstance(exc, ValidationException):
        message = "The request body or parameters are not valid."
        errors = exc.extra if isinstance(exc.extra, (dict, list)) else None
        if isinstance(errors, list):
            errors = {"body": errors}
    if exc.status_code == 403 and "CSRF" in (exc.detail or ""):
        message = "Your form expired or came from another site. Reload the page and try again."
    elif exc.status_code == 404 and exc.detail == "Not Found":
        message = "There is nothing at this address."
    headers = dict(exc.headers or {})
    return _error_response(request, exc.status_code, message, errors, headers)


# PostgreSQL's data exceptions (SQLSTATE class 22): the request carried a value the database cannot store or
# compare (NUL in text, a number or date beyond a column's range). Nothing was written: the statement failed and
# its transaction rolls back. So it is the client's 400, whichever of the many text inputs carried it.
_UNSTORABLE = {
    "22021": "The request contains a NUL character or other text that cannot be stored. Remove it and try again.",
    "22P05": "The request contains a NUL character or other text that cannot be stored. Remove it and try again.",
    "22003": "A number in the request is too large.",
    "22008": "A date or time in the request is out of range.",
}


# lock_timeout (app/db.py) ran out while waiting for a row lock.
LOCK_NOT_AVAILABLE = "55P03"


def _sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of `exc`, raw asyncpg or wrapped by SQLAlchemy."""
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return state if isinstance(state, str) else None


def unstorable_value_message(exc: BaseException) -> str | None:
    """What to tell the client when `exc` (raw asyncpg, or wrapped by SQLAlchemy) is a PostgreSQL data exception."""
    state = _sqlstate(exc)
    if state is None or not state.startswith("22"):
        return None
    return _UNSTORABLE.get(state, "A value in the request cannot be stored. Check it and try again.")


def handle_unexpected(request: Request, exc: Exception) -> Response:
    if message := unstorable_value_message(exc):
        return _error_response(request, 400, message)
    if isinstance(exc, PoolTimeout) or _sqlstate(exc) == LOCK_NOT_AVAILABLE:
        # Every connection busy, or a row locked by others for the whole lock_timeout: a burst, not a bug. The
        # transaction rolled back, so the client may simply try again.
        log.warning("database busy", extra={"path": request.url.path, "error": type(exc).__name__})
        return _error_response(
            request,
            503,
            "We are very busy right now; nothing was changed. Please try again in a moment.",
            headers={"Retry-After": str(SERVICE_RETRY_SECONDS)},
        )
    log.exception("unhandled error", extra={"path": request.url.path})
    return _error_response(request, 500, "Something went wrong on our side. Please try again.")


def client_ip(request: Request) -> str:
    """The client's address. From a peer in TRUSTED_PROXIES, X-Forwarded-For is read right to left, skipping the
    trusted hops; from any other peer the header is ignored (anyone can write it)."""
    peer = request.client.host if request.client else ""
    address = _address(peer)
    if address is None:
        return peer or "unknown"
    trusted = _networks(request.app.state.settings.trusted_proxies)
    if not any(address in network for network in trusted):
        return str(address)
    for hop in reversed(",".join(request.headers.getall("x-forwarded-for", [])).split(",")):
        forwarded = _address(hop)
        if forwarded is None:  # a hop we cannot read: the last trusted proxy is all we know
            break
        address = forwarded
        if not any(address in network for network in trusted):
            break
    return str(address)


def client_network(request: Request) -> str:
    """The client for limits: its IPv4 address, or its IPv6 /64 (one subscriber's network hands out many)."""
    address = _address(client_ip(request))
    if isinstance(address, IPv6Address):
        return str(ip_network(f"{address}/64", strict=False))
    return str(address) if address else "unknown"


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(cidr) for cidr in cidrs)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
    return mapped or address
