"""Cover images: accepted only if Pillow can decode them, then re-encoded so no uploaded bytes are ever served.

Decoding is CPU work: it runs in DECODERS worker threads (more uploads wait their turn), never on the event loop; the
pixel count declared in the header is checked before any pixel is decoded, so a small file that would unpack to
gigabytes (a decompression bomb) is refused at once."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.actor import Actor
from app.accounts.models import Role
from app.errors import NotFound, ValidationFailed
from app.events.models import EventCover
from app.events.service import get_event_for, get_public_event

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000
MAX_WIDTH = 1600
MIN_SIDE = 200
DECODERS = 2
_decoders = ThreadPoolExecutor(max_workers=DECODERS, thread_name_prefix="cover-decoder")
_TOO_MANY_PIXELS = f"The image has too many pixels ({MAX_PIXELS // 1_000_000} megapixels at most)."


def reencode(data: bytes, max_bytes: int) -> tuple[bytes, int, int]:
    """Validate an upload and return (JPEG bytes, width, height). Blocking CPU work: call it off the event loop."""
    if not data:
        raise ValidationFailed({"cover": "Choose an image file to upload."})
    if len(data) > max_bytes:
        raise ValidationFailed({"cover": f"The image is larger than {max_bytes // (1024 * 1024)} MB."})
    try:
        # Opening reads only the header; Pillow itself refuses sizes far beyond MAX_IMAGE_PIXELS here.
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationFailed({"cover": "Upload a JPEG, PNG, WebP or GIF image."})
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationFailed({"cover": _TOO_MANY_PIXELS})
            probe.verify()
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            image.load()
            if min(image.size) < MIN_SIDE:
                raise ValidationFailed({"cover": f"The image must be at least {MIN_SIDE} pixels on each side."})
            image = image.convert("RGB")
            if image.width > MAX_WIDTH:
                image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
            return out.getvalue(), image.width, image.height
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationFailed({"cover": _TOO_MANY_PIXELS}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed({"cover": "This file is not an image we can read."}) from exc


async def set_cover(session: AsyncSession, actor: Actor, slug: str, data: bytes, max_bytes: int) -> None:
    """Replace the event's cover (managers). Only someone allowed to gets an upload decoded; the event row is
    locked after decoding, not during it. Commits."""
    await get_event_for(session, actor, slug, Role.MANAGER)
    await session.rollback()  # no transaction stays open while the image decodes
    jpeg, width, height = await asyncio.get_running_loop().run_in_executor(_decoders, reencode, data, max_bytes)
    event = await get_event_for(session, actor, slug, Role.MANAGER, lock=True)
    cover = await session.get(EventCover, event.id)
    if cover is None:
        session.add(EventCover(event_id=event.id, content_type="image/jpeg", data=jpeg, width=width, height=height))
    else:
        cover.data, cover.width, cover.height = jpeg, width, height
    event.cover_version += 1
    await session.commit()


async def remove_cover(session: AsyncSession, actor: Actor, slug: str) -> None:
    event = await get_event_for(session, actor, slug, Role.MANAGER, lock=True)
    cover = await session.get(EventCover, event.id)
    if cover is not None:
        await session.delete(cover)
        event.cover_version += 1
    await session.commit()


async def cover_for(session: AsyncSession, actor: Actor, slug: str) -> EventCover:
    """The public cover of a published event, or any cover of the actor's own events (draft previews)."""
    try:
        event = await get_public_event(session, slug)
    except NotFound:
        event = await get_event_for(session, actor, slug)
    cover = await session.scalar(select(EventCover).where(EventCover.event_id == event.id))
    if cover is None:
        raise NotFound("This event has no cover image.")
    return cover
