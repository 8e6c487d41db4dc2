"""Cover uploads cannot take the server down: a decompression bomb is refused from its header with a clear 422, and
decoding a large image happens off the event loop, so every other request keeps being answered meanwhile."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib

from sqlalchemy import func, select

from app.events.models import EventCover


def png_of_zeros(width: int, height: int) -> bytes:
    """A real 1-bit black PNG: a few kilobytes on the wire, `width` x `height` pixels once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\0" * (1 + (width + 7) // 8)  # the filter byte, then 8 pixels a byte
    deflate = zlib.compressobj(9)
    compressed = [deflate.compress(row * 1000) for _ in range(height // 1000)]
    compressed += [deflate.compress(row * (height % 1000)), deflate.flush()]
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(compressed)) + chunk(b"IEND", b"")


async def upload(browser, slug: str, data: bytes):
    return await browser.post_form(
        f"/manage/events/{slug}/cover", htmx=True, files={"cover": ("cover.png", data, "image/png")}
    )


async def test_a_decompression_bomb_gets_a_clear_422_and_nothing_is_decoded(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    gigapixel = png_of_zeros(40_000, 25_000)  # a billion pixels: Pillow's own limit trips when opening
    just_over = png_of_zeros(8_000, 5_001)  # 40 million and a bit: ours trips, before decoding
    assert len(gigapixel) < 200_000 and len(just_over) < 50_000

    for bomb in (gigapixel, just_over):
        started = time.monotonic()
        refused = await upload(browser, slug, bomb)
        assert refused.status_code == 422
        assert "The image has too many pixels (40 megapixels at most)." in refused.text
        assert time.monotonic() - started < 2  # judged from the header, not by unpacking it
    assert await db.scalar(select(func.count()).select_from(EventCover)) == 0
    assert (await browser.get("/healthz")).status_code == 200


async def test_other_requests_are_answered_while_a_large_cover_decodes(organizer, db):
    browser, org = organizer
    slug = await browser.create_event(org)
    large = png_of_zeros(6_000, 6_000)  # 36 megapixels: allowed, and a second or so of decoding and resizing
    stalls: list[float] = []
    decoding = asyncio.create_task(upload(browser, slug, large))
    started = time.monotonic()
    while not decoding.done():  # the event loop's heartbeat while the upload is handled
        before = time.monotonic()
        await asyncio.sleep(0.005)
        stalls.append(time.monotonic() - before)
    took = time.monotonic() - started
    saved = decoding.result()

    assert saved.status_code == 200 and "Cover image saved." in saved.text
    cover = await db.scalar(select(EventCover))
    assert (cover.width, cover.height) == (1600, 1600)
    # On the loop, decoding would be one stall nearly as long as the whole upload; off it, the loop keeps ticking
    # (a busy 2-core machine still steals the odd few hundred milliseconds, so the margin is wide).
    assert max(stalls) < took * 0.6, (max(stalls), took)
    assert len(stalls) >= 20, len(stalls)
