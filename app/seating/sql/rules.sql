-- The inventory rules every path shares (holds, checkout, sales, organizer counts, the sweeper). Written once here;
-- Python calls them instead of restating them (app/seating/rules.py).

-- Whether an event takes holds and orders now, and if not why: on_sale, not_found (not published), cancelled,
-- no_map, not_started, ended.
CREATE OR REPLACE FUNCTION usher_sales_state(e events) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN e.status = 'cancelled' THEN 'cancelled'
        WHEN e.status <> 'published' THEN 'not_found'
        WHEN e.layout_version_id IS NULL THEN 'no_map'
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

-- The whole cart shares one deadline, so the buyer sees one countdown: every live hold of the cart moves to
-- p_until. The caller holds the cart lock (usher_lock_cart) and has locked the cart's seats in key order.
CREATE OR REPLACE FUNCTION usher_extend_cart(p_event uuid, p_cart uuid, p_until timestamptz) RETURNS void
LANGUAGE sql VOLATILE AS $$
    UPDATE event_seats s SET held_until = p_until
    WHERE s.event_id = p_event AND s.cart_id = p_cart AND s.status = 'held' AND usher_hold_is_live(s.held_until)
      AND s.held_until <> p_until;
    UPDATE area_holds a SET held_until = p_until
    WHERE a.event_id = p_event AND a.cart_id = p_cart AND usher_hold_is_live(a.held_until)
      AND a.held_until <> p_until;
$$;
