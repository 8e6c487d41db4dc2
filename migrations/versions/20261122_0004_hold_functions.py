"""seat hold and release as single-round-trip functions

The hold rules of app/seating/service.py run inside PostgreSQL, so a seat's row lock is held for the length of
one statement instead of several network round trips (what decides throughput on a hot block).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOLD_SEATS = """
CREATE FUNCTION usher_hold_seats(
    p_slug text, p_cart uuid, p_keys text[], p_ttl_seconds integer, p_max integer,
    OUT outcome text, OUT event_id uuid, OUT seats text[], OUT held_until timestamptz,
    OUT changed text[], OUT versions bigint[], OUT holding integer
) LANGUAGE plpgsql AS $$
-- All or nothing: every key in p_keys (distinct, sorted by the caller) becomes held by the cart, or nothing
-- changes and `outcome` says why: not_found, cancelled, no_map, not_started, ended, unknown (seats = the
-- unknown keys), unavailable (seats = the taken keys), limit (holding = what the cart holds already).
DECLARE
    ev record;
    now_ timestamptz := now();
    already text[];
    known integer;
    wanted text[];
    standing integer;
BEGIN
    SELECT e.id, e.status, e.layout_version_id, e.sales_start_at, e.sales_end_at, e.ends_at INTO ev
    FROM events e WHERE e.slug = p_slug AND e.status IN ('published', 'cancelled');
    IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
    event_id := ev.id;
    IF ev.status = 'cancelled' THEN outcome := 'cancelled'; RETURN; END IF;
    IF ev.layout_version_id IS NULL THEN outcome := 'no_map'; RETURN; END IF;
    IF ev.sales_start_at IS NOT NULL AND now_ < ev.sales_start_at THEN outcome := 'not_started'; RETURN; END IF;
    IF (ev.sales_end_at IS NOT NULL AND now_ >= ev.sales_end_at) OR now_ >= ev.ends_at THEN
        outcome := 'ended'; RETURN;
    END IF;

    -- A hold lives minutes: it need not wait for its WAL flush (a crash can lose the last few ms of holds,
    -- never a sale, and never leaves a seat held twice).
    PERFORM set_config('synchronous_commit', 'off', true);
    -- One request per cart at a time, then the seats in key order: concurrent holds never deadlock.
    PERFORM pg_advisory_xact_lock(1, hashtext(p_cart::text));
    PERFORM 1 FROM event_seats s
    WHERE s.event_id = ev.id AND (s.key = ANY (p_keys) OR (s.cart_id = p_cart AND s.status = 'held'))
    ORDER BY s.key FOR UPDATE;

    -- One pass over the locked rows: how many requested seats exist, which are taken (not available, not an
    -- expired hold, not already this cart's), and what the cart holds now.
    SELECT count(*) FILTER (WHERE s.key = ANY (p_keys)),
           array_agg(s.key ORDER BY s.key) FILTER (
               WHERE s.key = ANY (p_keys) AND NOT (
                   s.status = 'available' OR (s.status = 'held' AND (s.held_until <= now_ OR s.cart_id = p_cart)))),
           coalesce(array_agg(s.key) FILTER (
               WHERE s.cart_id = p_cart AND s.status = 'held' AND s.held_until > now_), '{}')
    INTO known, seats, already
    FROM event_seats s
    WHERE s.event_id = ev.id AND (s.key = ANY (p_keys) OR (s.cart_id = p_cart AND s.status = 'held'));
    IF known < cardinality(p_keys) THEN
        SELECT array_agg(k ORDER BY k) INTO seats FROM unnest(p_keys) k
        WHERE NOT EXISTS (SELECT 1 FROM event_seats s WHERE s.event_id = ev.id AND s.key = k);
        outcome := 'unknown'; RETURN;
    END IF;
    IF seats IS NOT NULL THEN outcome := 'unavailable'; RETURN; END IF;
    SELECT coalesce(sum(a.quantity), 0) INTO standing FROM area_holds a
    WHERE a.event_id = ev.id AND a.cart_id = p_cart AND a.held_until > now_;
    SELECT array_agg(DISTINCT k ORDER BY k) INTO wanted FROM unnest(already || p_keys) k;
    IF cardinality(wanted) + standing > p_max THEN
        outcome := 'limit'; holding := cardinality(already) + standing; seats := NULL; RETURN;
    END IF;

    -- The whole cart gets one deadline, so the buyer sees one countdown.
    held_until := now_ + make_interval(secs => p_ttl_seconds);
    INSERT INTO carts (id) VALUES (p_cart) ON CONFLICT (id) DO NOTHING;
    UPDATE area_holds a SET held_until = usher_hold_seats.held_until
    WHERE a.event_id = ev.id AND a.cart_id = p_cart AND a.held_until > now_;
    WITH updated AS (
        UPDATE event_seats s
        SET status = 'held', cart_id = p_cart, held_until = usher_hold_seats.held_until,
            version = nextval('seat_versions')
        WHERE s.event_id = ev.id AND s.key = ANY (wanted)
        RETURNING s.key, s.version
    )
    SELECT array_agg(u.key ORDER BY u.key), array_agg(u.version ORDER BY u.key) INTO changed, versions
    FROM updated u WHERE NOT u.key = ANY (already);
    seats := wanted;
    holding := cardinality(wanted) + standing;
    outcome := 'ok';
END
$$;
"""

RELEASE_SEAT = """
CREATE FUNCTION usher_release_seat(
    p_slug text, p_cart uuid, p_key text,
    OUT outcome text, OUT event_id uuid, OUT version bigint
) LANGUAGE plpgsql AS $$
-- Give a held seat back; releasing a seat the cart does not hold changes nothing (idempotent).
-- outcome: not_found (no such event), unknown (no such seat), released, unchanged.
BEGIN
    SELECT e.id INTO event_id FROM events e WHERE e.slug = p_slug AND e.status IN ('published', 'cancelled');
    IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
    PERFORM set_config('synchronous_commit', 'off', true);  -- as for holds
    UPDATE event_seats s
    SET status = 'available', cart_id = NULL, held_until = NULL, version = nextval('seat_versions')
    WHERE s.event_id = usher_release_seat.event_id AND s.key = p_key AND s.cart_id = p_cart AND s.status = 'held'
    RETURNING s.version INTO version;
    IF FOUND THEN outcome := 'released'; RETURN; END IF;
    PERFORM 1 FROM event_seats s WHERE s.event_id = usher_release_seat.event_id AND s.key = p_key;
    outcome := CASE WHEN FOUND THEN 'unchanged' ELSE 'unknown' END;
END
$$;
"""


def upgrade() -> None:
    op.execute(HOLD_SEATS)
    op.execute(RELEASE_SEAT)


def downgrade() -> None:
    op.execute("DROP FUNCTION usher_release_seat(text, uuid, text)")
    op.execute("DROP FUNCTION usher_hold_seats(text, uuid, text[], integer, integer)")
