-- Advisory lock key spaces: the first key of pg_advisory_xact_lock(space, key) says what is locked, so two kinds of
-- lock never collide. Every advisory lock Usher takes is listed here and taken only through these functions.
--   space 1: a cart (usher_lock_cart) -- requests of one cart run one at a time.
--   space 2: a client's network, space 3: a client's account (usher_lock_client) -- holds one client makes through
--            any of its carts are counted against its limits one at a time.
--   space 4: a buyer's e-mail address in one event (usher_lock_buyer) -- orders per address counted one at a time.
-- Order: the client (network, then account), then the cart; the buyer, then the cart. Row locks are taken after the
-- advisory locks, in this order: seats by key, area rows by key, area_holds rows.

CREATE OR REPLACE FUNCTION usher_lock_cart(p_cart uuid) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(1, hashtext(p_cart::text))
$$;

CREATE OR REPLACE FUNCTION usher_lock_client(p_network text, p_account uuid) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(2, hashtext(p_network)) WHERE p_network IS NOT NULL;
    SELECT pg_advisory_xact_lock(3, hashtext(p_account::text)) WHERE p_account IS NOT NULL;
$$;

CREATE OR REPLACE FUNCTION usher_lock_buyer(p_event uuid, p_email text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(4, hashtext(p_event::text || ' ' || lower(p_email)))
$$;
