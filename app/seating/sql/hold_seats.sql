-- Seat holds and releases as single statements, so a hot seat's row lock lasts one statement instead of several
-- network round trips (what decides throughput on a hot block). Called by app/seating/holds.py.

-- All or nothing: every key in p_keys (distinct, sorted by the caller) becomes held by the cart, or nothing
-- changes and `outcome` says why: a sales state other than on_sale (usher_sales_state), unknown (seats = the
-- unknown keys), unavailable (seats = the taken keys), limit (holding = what the cart holds already),
-- network_limit or account_limit (the client's limits across its carts, usher_client_may_hold: holding = what
-- the client holds, retry_after = seconds until its first hold ends). Without a client (p_network and p_account
-- NULL: the demo seed, or a caller of the old signature) only the per-cart limit applies.
CREATE OR REPLACE FUNCTION usher_hold_seats(
    p_slug text, p_cart uuid, p_keys text[], p_ttl_seconds integer, p_max integer,
    p_network text DEFAULT NULL, p_account uuid DEFAULT NULL,
    p_network_max integer DEFAULT 0, p_account_max integer DEFAULT 0,
    OUT outcome text, OUT event_id uuid, OUT seats text[], OUT held_until timestamptz,
    OUT changed text[], OUT versions bigint[], OUT holding integer, OUT retry_after integer
) LANGUAGE plpgsql AS $$
DECLARE
    already text[];
    known integer;
    fresh integer;
    client_outcome text;
    client_holding integer;
BEGIN
    SELECT e.id, usher_sales_state(e) INTO event_id, outcome
    FROM events e WHERE e.slug = p_slug AND e.status IN ('published', 'cancelled');
    IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
    IF outcome <> 'on_sale' THEN RETURN; END IF;

    -- A hold lives minutes: it need not wait for its WAL flush (a crash can lose the last few ms of holds,
    -- never a sale, and never leaves a seat held twice).
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM usher_lock_client(p_network, p_account);
    PERFORM usher_lock_cart(p_cart);
    PERFORM 1 FROM event_seats s
    WHERE s.event_id = usher_hold_seats.event_id AND (s.key = ANY (p_keys) OR (s.cart_id = p_cart AND s.status = 'held'))
    ORDER BY s.key FOR UPDATE;

    -- One pass over the locked rows: how many requested seats exist, which are taken (not available as buyers
    -- see them, and not already this cart's), and which the cart holds now.
    SELECT count(*) FILTER (WHERE s.key = ANY (p_keys)),
           array_agg(s.key ORDER BY s.key) FILTER (
               WHERE s.key = ANY (p_keys) AND usher_seat_status(s.status, s.held_until) <> 'available'
                 AND NOT (s.status = 'held' AND s.cart_id = p_cart)),
           coalesce(array_agg(s.key) FILTER (
               WHERE s.cart_id = p_cart AND usher_seat_status(s.status, s.held_until) = 'held'), '{}')
    INTO known, seats, already
    FROM event_seats s
    WHERE s.event_id = usher_hold_seats.event_id AND (s.key = ANY (p_keys) OR (s.cart_id = p_cart AND s.status = 'held'));
    IF known < cardinality(p_keys) THEN
        SELECT array_agg(k ORDER BY k) INTO seats FROM unnest(p_keys) k
        WHERE NOT EXISTS (SELECT 1 FROM event_seats s WHERE s.event_id = usher_hold_seats.event_id AND s.key = k);
        outcome := 'unknown'; RETURN;
    END IF;
    IF seats IS NOT NULL THEN outcome := 'unavailable'; RETURN; END IF;
    holding := usher_cart_holding(usher_hold_seats.event_id, p_cart);
    SELECT count(*) INTO fresh FROM unnest(p_keys) k WHERE NOT k = ANY (already);
    IF holding + fresh > p_max THEN outcome := 'limit'; RETURN; END IF;
    IF p_network IS NULL AND p_account IS NULL THEN
        INSERT INTO carts (id) VALUES (p_cart) ON CONFLICT (id) DO NOTHING;
    ELSE
        SELECT c.outcome, c.holding, c.retry_after INTO client_outcome, client_holding, retry_after
        FROM usher_client_may_hold(usher_hold_seats.event_id, p_cart, p_network, p_account, fresh,
                                   p_network_max, p_account_max) c;
        IF client_outcome <> 'ok' THEN outcome := client_outcome; holding := client_holding; RETURN; END IF;
    END IF;

    held_until := now() + make_interval(secs => p_ttl_seconds);
    WITH updated AS (
        UPDATE event_seats s
        SET status = 'held', cart_id = p_cart, held_until = usher_hold_seats.held_until,
            version = nextval('seat_versions')
        WHERE s.event_id = usher_hold_seats.event_id AND s.key = ANY (p_keys)
        RETURNING s.key, s.version
    )
    SELECT array_agg(u.key ORDER BY u.key), array_agg(u.version ORDER BY u.key) INTO changed, versions
    FROM updated u WHERE NOT u.key = ANY (already);
    held_until := usher_extend_cart(usher_hold_seats.event_id, p_cart, usher_hold_seats.held_until);
    SELECT array_agg(DISTINCT k ORDER BY k) INTO seats FROM unnest(already || p_keys) k;
    holding := holding + fresh;
    outcome := 'ok';
END
$$;

-- Give a held seat back; releasing a seat the cart does not hold changes nothing (idempotent).
-- outcome: not_found (no such event), unknown (no such seat), released, unchanged.
CREATE OR REPLACE FUNCTION usher_release_seat(
    p_slug text, p_cart uuid, p_key text,
    OUT outcome text, OUT event_id uuid, OUT version bigint
) LANGUAGE plpgsql AS $$
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
