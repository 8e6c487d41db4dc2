-- Advisory lock key spaces: the first key of pg_advisory_xact_lock(space, key) says what is locked, so two kinds of
-- lock never collide. Every advisory lock Usher takes is listed here and taken only through these functions.
--   space 1: a cart (usher_lock_cart) -- requests of one cart run one at a time.
-- Row locks are taken after the advisory lock, in this order: seats by key, area rows by key, area_holds rows.

CREATE OR REPLACE FUNCTION usher_lock_cart(p_cart uuid) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(1, hashtext(p_cart::text))
$$;
