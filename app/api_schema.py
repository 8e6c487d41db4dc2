"""OpenAPI declarations every /api/v1 route shares: the bearer token, the cart header and the refusals, so the
schema names everything a client (or the fuzzer in tests/fuzz) can meet. Error bodies are the one app/web.py writes."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import Parameter

BEARER = "BearerToken"
BEARER_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="An API token of one organization (Manage, API tokens); it acts as a manager there.",
        )
    }
)
TOKEN_REQUIRED = [{BEARER: []}]
# Public reads answer anyone; a token widens them to its organization's drafts and orders.
TOKEN_OPTIONAL: list[dict[str, list[str]]] = [{}, {BEARER: []}]

CART_TOKEN = Parameter(
    header="X-Cart",
    default=None,
    description="The cart token a hold answered with; absent or forged means a new, empty cart.",
)
CART_HEADER = ResponseHeader(
    name="X-Cart",
    documentation_only=True,
    value="",  # gives the documented header its string schema; the route sets the real value
    required=True,
    description="The cart token to send back in X-Cart with the next hold, release or order.",
)


class ApiError(msgspec.Struct):
    detail: str
    status_code: int
    errors: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


_MEANINGS = {
    400: "The body or a parameter is malformed; `detail` (and `errors`) say which.",
    401: "The API token is invalid or revoked.",
    403: "This needs an API token, or the token may not do this.",
    404: "Nothing at this address, or not yours to see.",
    409: "The current state forbids it (not on sale, cancelled, taken); `detail` says why.",
    413: "The request body is too large.",
    422: "Some fields are not valid: `errors` maps each field to what is wrong with it.",
    429: "Too many requests; try again after the Retry-After header's seconds.",
}


def refusals(*status_codes: int) -> dict[int, ResponseSpec]:
    """The error responses of an operation, each with the common error body."""
    return {
        code: ResponseSpec(data_container=ApiError, description=_MEANINGS[code], generate_examples=False)
        for code in status_codes
    }
