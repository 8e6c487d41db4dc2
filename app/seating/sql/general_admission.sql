-- General-admission price tiers (a capacity, no seat category) are sold as standing areas of their own: one
-- event_areas row per tier, so holds, the sweeper, live counts, checkout and tickets need nothing new.
-- Key and category are derived from the tier id here only; app/seating/tiers.py reads them back.

-- The area key and category of a general-admission tier.
CREATE OR REPLACE FUNCTION usher_tier_area_key(p_tier uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'tier-' || left(replace(p_tier::text, '-', ''), 8)
$$;

CREATE OR REPLACE FUNCTION usher_tier_category(p_tier uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'tier:' || p_tier::text
$$;

-- Give each general-admission tier of the event its area (at first publication, and once for events published
-- before tiers were sold this way). Safe to repeat: an existing area is left as it is. Returns the places added.
CREATE OR REPLACE FUNCTION usher_add_tier_areas(p_event uuid) RETURNS integer
LANGUAGE sql VOLATILE AS $$
    WITH added AS (
        INSERT INTO event_areas (event_id, key, name, category, capacity)
        SELECT t.event_id, usher_tier_area_key(t.id), left(t.name, 120), usher_tier_category(t.id), t.capacity
        FROM price_tiers t
        WHERE t.event_id = p_event AND t.capacity IS NOT NULL AND t.seat_category IS NULL
        ON CONFLICT (event_id, key) DO NOTHING
        RETURNING capacity
    )
    SELECT coalesce(sum(capacity), 0)::integer FROM added
$$;
