-- The inventory rules every path shares (holds, checkout, sales, organizer counts, the sweeper). Written once here;
-- Python calls them instead of restating them (app/seating/rules.py).

-- Whether an event takes holds and orders now, and if not why: on_sale, not_found (not published), cancelled,
-- no_map (neither a seat map nor general-admission places), not_started, ended.
CREATE OR REPLACE FUNCTION usher_sales_state(e events) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN e.status = 'cancelled' THEN 'cancelled'
        WHEN e.status <> 'published' THEN 'not_found'
        WHEN e.layout_version_id IS NULL AND NOT EXISTS (SELECT 1 FROM event_areas a WHERE a.event_id = e.id)
            THEN 'no_map'
        WHEN e.sales_start_at IS NOT NULL AND now() < e.sales_start_at THEN 'not_started'
        WHEN (e.sales_end_at IS NOT NULL AND now() >= e.sales_end_at) OR now() >= e.ends_at THEN 'ended'
        ELSE 'on_sale'
    END
$$;

-- A hold is live until its deadline; an expired hold is free at once, whether or not the sweeper has run.
-- (A simple SQL function: the planner inlines it, so indexes on held_until still apply.)
CREATE OR REPLACE FUNCTION usher_hold_is_live(p_held_until timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_held_until > now()
$$;

-- A seat as buyers see it: a held seat whose hold is not live is available.
CREATE OR REPLACE FUNCTION usher_seat_status(p_status text, p_held_until timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_status = 'held' AND usher_hold_is_live(p_held_until) IS NOT TRUE THEN 'available'
                ELSE p_status END
$$;

-- Tickets a cart holds right now in an event: live seat holds plus live standing places (the per-cart limit).
CREATE OR REPLACE FUNCTION usher_cart_holding(p_event uuid, p_cart uuid) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM event_seats s
            WHERE s.event_id = p_event AND s.cart_id = p_cart AND s.status = 'held'
              AND usher_hold_is_live(s.held_until))::integer
         + (SELECT coalesce(sum(a.quantity), 0) FROM area_holds a
            WHERE a.event_id = p_event AND a.cart_id = p_cart AND usher_hold_is_live(a.held_until))::integer
$$;

-- Holds across carts: a client -- its network (an IPv4 address or an IPv6 /64) and, when logged in, its account --
-- holds at most p_network_max and p_account_max tickets of an event at once through all its carts (0: no limit).
-- A cart's holds count for the client that used it last: a cart used from another client moves to this one, and
-- that move is checked like a new hold (a refused move leaves the cart where it was); then p_more more tickets are
-- checked. The caller holds usher_lock_client, then usher_lock_cart, so the count cannot go stale.
-- outcome: ok, network_limit or account_limit, with holding (what that identity holds now) and retry_after
-- (seconds until its first hold ends; NULL when it holds nothing). PL/pgSQL because the carts' client columns are
-- newer than this file's first installation (a PL/pgSQL body is resolved when it runs, not when it is created).
CREATE OR REPLACE FUNCTION usher_client_may_hold(
    p_event uuid, p_cart uuid, p_network text, p_account uuid, p_more integer,
    p_network_max integer, p_account_max integer,
    OUT outcome text, OUT holding integer, OUT retry_after integer
) LANGUAGE plpgsql AS $$
DECLARE
    bound record;
    moving boolean;
    by_network integer;
    by_account integer;
    network_frees timestamptz;
    account_frees timestamptz;
BEGIN
    outcome := 'ok';
    SELECT c.client_network, c.client_account INTO bound FROM carts c WHERE c.id = p_cart;
    -- A cart used from another client moves to this one with everything it holds: that move is checked like a
    -- new hold (else a second network could take a full cart over and free the first network's count).
    moving := FOUND AND (bound.client_network, bound.client_account) IS DISTINCT FROM (p_network, p_account);
    IF (p_more > 0 OR moving) AND (p_network_max > 0 OR p_account_max > 0) THEN
        SELECT coalesce(sum(h.quantity) FILTER (WHERE c.client_network = p_network OR c.id = p_cart), 0),
               coalesce(sum(h.quantity) FILTER (WHERE c.client_account = p_account OR c.id = p_cart), 0),
               min(h.held_until) FILTER (WHERE c.client_network = p_network OR c.id = p_cart),
               min(h.held_until) FILTER (WHERE c.client_account = p_account OR c.id = p_cart)
        INTO by_network, by_account, network_frees, account_frees
        FROM carts c
        CROSS JOIN LATERAL (
            SELECT 1 AS quantity, s.held_until FROM event_seats s
            WHERE s.event_id = p_event AND s.cart_id = c.id AND s.status = 'held' AND usher_hold_is_live(s.held_until)
            UNION ALL
            SELECT a.quantity, a.held_until FROM area_holds a
            WHERE a.event_id = p_event AND a.cart_id = c.id AND usher_hold_is_live(a.held_until)
        ) h
        WHERE c.client_network = p_network OR c.client_account = p_account OR c.id = p_cart;
        IF p_network_max > 0 AND by_network + p_more > p_network_max THEN
            outcome := 'network_limit';
            holding := by_network;
            retry_after := ceil(extract(epoch FROM network_frees - clock_timestamp()));  -- another transaction set it later than our now()
            RETURN;  -- refused: the cart stays with its client
        ELSIF p_account IS NOT NULL AND p_account_max > 0 AND by_account + p_more > p_account_max THEN
            outcome := 'account_limit';
            holding := by_account;
            retry_after := ceil(extract(epoch FROM account_frees - clock_timestamp()));
            RETURN;
        END IF;
    END IF;
    INSERT INTO carts AS c (id, client_network, client_account) VALUES (p_cart, p_network, p_account)
    ON CONFLICT (id) DO UPDATE SET client_network = excluded.client_network, client_account = excluded.client_account
    WHERE (c.client_network, c.client_account) IS DISTINCT FROM (excluded.client_network, excluded.client_account);
END
$$;

-- The deadlines of a cart's live holds in an event: its held seats and its standing places.
CREATE OR REPLACE FUNCTION usher_live_hold_deadlines(p_event uuid, p_cart uuid) RETURNS SETOF timestamptz
LANGUAGE sql STABLE AS $$
    SELECT s.held_until FROM event_seats s
    WHERE s.event_id = p_event AND s.cart_id = p_cart AND s.status = 'held' AND usher_hold_is_live(s.held_until)
    UNION ALL
    SELECT a.held_until FROM area_holds a
    WHERE a.event_id = p_event AND a.cart_id = p_cart AND usher_hold_is_live(a.held_until)
$$;

-- The whole cart shares one deadline, so the buyer sees one countdown: every live hold of the cart moves to
-- p_until, or to the cart's later deadline when it was extended (a new hold never shortens an extension).
-- Returns that deadline. The caller holds the cart lock (usher_lock_cart) and has locked the cart's seats in key
-- order.
CREATE OR REPLACE FUNCTION usher_extend_cart(p_event uuid, p_cart uuid, p_until timestamptz) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    deadline timestamptz;
BEGIN
    SELECT greatest(p_until, max(d)) INTO deadline FROM usher_live_hold_deadlines(p_event, p_cart) d;
    UPDATE event_seats s SET held_until = deadline
    WHERE s.event_id = p_event AND s.cart_id = p_cart AND s.status = 'held' AND usher_hold_is_live(s.held_until)
      AND s.held_until <> deadline;
    UPDATE area_holds a SET held_until = deadline
    WHERE a.event_id = p_event AND a.cart_id = p_cart AND usher_hold_is_live(a.held_until)
      AND a.held_until <> deadline;
    RETURN deadline;
END
$$;

-- A cart's hold extended once (WCAG 2.2.1: a buyer who needs more time can ask for it): every live hold moves
-- p_seconds later, never past the end of sales. A cart named after an order (its payment window) is extended the
-- same way; the order moves its own expiry to the answer. Locks as for holds: the cart, its seats by key, its area
-- holds, then the cart row. Nothing changes unless outcome = 'extended'; otherwise outcome says why:
-- expired (nothing live any more: the seats may be someone else's now), already_extended, too_late (sales end
-- before the current deadline), or the event's sales state (usher_sales_state) when it is not on sale.
-- held_until: the deadline after the call (NULL when expired). PL/pgSQL: carts.extended_at is newer than this file.
CREATE OR REPLACE FUNCTION usher_extend_hold(
    p_event uuid, p_cart uuid, p_seconds integer, OUT outcome text, OUT held_until timestamptz
) LANGUAGE plpgsql AS $$
DECLARE
    sales_end timestamptz;
BEGIN
    SELECT usher_sales_state(e), least(e.sales_end_at, e.ends_at) INTO outcome, sales_end
    FROM events e WHERE e.id = p_event;
    IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
    IF outcome <> 'on_sale' THEN RETURN; END IF;
    PERFORM usher_lock_cart(p_cart);
    PERFORM 1 FROM event_seats s
    WHERE s.event_id = p_event AND s.cart_id = p_cart AND s.status = 'held' ORDER BY s.key FOR UPDATE;
    PERFORM 1 FROM area_holds a WHERE a.event_id = p_event AND a.cart_id = p_cart ORDER BY a.area_key FOR UPDATE;
    SELECT min(d) INTO held_until FROM usher_live_hold_deadlines(p_event, p_cart) d;
    IF held_until IS NULL THEN outcome := 'expired'; RETURN; END IF;
    PERFORM 1 FROM carts c WHERE c.id = p_cart AND c.extended_at IS NOT NULL;
    IF FOUND THEN outcome := 'already_extended'; RETURN; END IF;
    IF sales_end <= held_until THEN outcome := 'too_late'; RETURN; END IF;
    held_until := least(held_until + make_interval(secs => p_seconds), sales_end);
    INSERT INTO carts AS c (id, extended_at) VALUES (p_cart, now())
    ON CONFLICT (id) DO UPDATE SET extended_at = excluded.extended_at;
    PERFORM usher_extend_cart(p_event, p_cart, usher_extend_hold.held_until);
    outcome := 'extended';
END
$$;
