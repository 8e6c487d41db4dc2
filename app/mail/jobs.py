"""SAQ jobs that drain the mail outbox."""

from __future__ import annotations

import uuid
from typing import Any

from app.mail.service import deliver_due_mail


async def deliver_mail(ctx: dict[str, Any], *, mail_id: str) -> int:
    """Fast path right after the commit that queued the mail."""
    return await deliver_due_mail(ctx["sessionmaker"], ctx["mail_transport"], only_id=uuid.UUID(mail_id))


async def drain_outbox(ctx: dict[str, Any]) -> int:
    """Cron: anything the fast path missed (crash, Redis down) and retries that are due."""
    return await deliver_due_mail(ctx["sessionmaker"], ctx["mail_transport"])
