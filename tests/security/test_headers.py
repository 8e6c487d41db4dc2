"""Security headers on every response, and pages that need no inline script, so the policy can forbid it."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from app.config import PROJECT_ROOT
from app.main import create_app
from tests.conftest import _client, serving

EVERY_KIND_OF_RESPONSE = [
    "/",  # a page
    "/login",
    "/no-such-page",  # a 404 no route answered
    "/api/v1/events",  # JSON
    "/static/css/usher.css",  # a static file
    "/healthz",
    "/tickets/not-a-code",  # a page whose URL is a secret
]


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("path", EVERY_KIND_OF_RESPONSE)
async def test_every_response_forbids_inline_script_framing_referrers_and_sniffing(client, path):
    response = await client.get(path)
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"  # ticket, order and reset URLs carry secrets
    assert "strict-transport-security" not in response.headers  # the test server is plain http


async def test_hsts_is_sent_when_the_base_url_is_https(settings):
    async with serving(create_app(replace(settings, base_url="https://tickets.example"))) as app, _client(app) as c:
        for path in ("/", "/no-such-page"):
            assert (await c.get(path)).headers["strict-transport-security"] == "max-age=31536000"


async def test_only_the_pay_page_may_load_stripe(client):
    pay_page = directives((await client.get("/orders/X-1/pay")).headers["content-security-policy"])
    assert "https://js.stripe.com" in pay_page["script-src"] and "'self'" in pay_page["script-src"]
    assert "https://js.stripe.com" in pay_page["frame-src"]
    assert "https://api.stripe.com" in pay_page["connect-src"]
    listing = directives((await client.get("/")).headers["content-security-policy"])
    assert listing["script-src"] == ["'self'"] and listing["frame-src"] == ["'none'"]


async def test_htmx_is_configured_to_never_evaluate_code(client):
    page = (await client.get("/")).text
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'", page).group(1))
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False  # htmx would otherwise inject an inline <style>


def source_files() -> list:
    templates = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
    scripts = sorted(p for p in (PROJECT_ROOT / "static" / "js").rglob("*.js"))
    return templates + scripts


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_template_or_script_relies_on_inline_script(path):
    source = path.read_text()
    assert not re.search(r"""[=("'`]\s*javascript:""", source, re.IGNORECASE), "javascript: URL"
    assert not re.search(r"""\bhx-on|\bhx-vars|\bhx-vals=["']\s*js:""", source)  # htmx features that evaluate code
    if path.suffix == ".html":
        assert not re.search(r"<[^>]+\son[a-z]+=", source), "inline event handler"
        for tag in re.findall(r"<script\b[^>]*>", source):
            data_block = 'type="application/json"' in tag or 'type="application/ld+json"' in tag  # never run
            assert " src=" in tag or data_block, f"inline script: {tag}"
    if path.suffix == ".js":  # markup built in JavaScript
        assert not re.search(r"""\son[a-z]+=["'$]""", source), "inline event handler in generated markup"
