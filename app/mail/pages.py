"""Development only: read what the app 'sent' (the .eml files in MAIL_DIR)."""

from __future__ import annotations

import base64
import email
import email.message
from email import policy
from pathlib import Path

from litestar import Router, get
from litestar.response import Template

from app.config import Settings
from app.errors import NotFound
from app.web import page


def _messages(directory: Path) -> list[dict[str, str]]:
    if not directory.exists():
        return []
    result = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:200]:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        result.append({"name": path.name, "to": message["To"], "subject": message["Subject"], "date": message["Date"]})
    return result


@get("/dev/mail")
async def mailbox(settings: Settings) -> Template:
    return page("mail/mailbox.html", messages=_messages(settings.mail_dir))


@get("/dev/mail/{name:str}")
async def message(settings: Settings, name: str) -> Template:
    path = settings.mail_dir / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise NotFound("No such message.")
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    html = parsed.get_body(preferencelist=("html",))
    text = parsed.get_body(preferencelist=("plain",))
    return page(
        "mail/message.html",
        name=name,
        mail_headers=parsed,
        html=_viewable(parsed, html.get_content()) if html else None,
        text=text.get_content() if text else "",
        attachments=[part.get_filename() for part in parsed.iter_attachments() if part.get_filename()],
    )


def _viewable(parsed: email.message.EmailMessage, html: str) -> str:
    """Inline images (cid:) as data: URIs, and links that open in the page, for viewing in the browser."""
    for part in parsed.walk():
        content_id = (part["Content-ID"] or "").strip("<>")
        if content_id and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{content_id}", f"data:{part.get_content_type()};base64,{data}")
    return '<base target="_top">' + html


dev_mail_routes = [Router(path="/", include_in_schema=False, route_handlers=[mailbox, message])]
