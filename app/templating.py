"""The one Jinja environment: pages, htmx fragments and e-mails, autoescaped, with the domain's filters."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.config import PROJECT_ROOT
from app.money import format_amount, format_money
from app.timeutil import format_local, input_value


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    env.filters["money"] = lambda minor, currency: format_money(minor, currency)
    env.filters["amount"] = lambda minor, currency: format_amount(minor, currency)
    env.filters["local"] = format_local
    env.filters["input_value"] = input_value
    return env


def render(template_name: str, **context: object) -> str:
    return environment().get_template(template_name).render(**context)
