-- Gives imported readings stored without a client id the id they are
-- answered with (`store::reading_ids`), then makes the column NOT NULL.
UPDATE measurements
SET uuid = '6c6f7463-686b-8000-' || substr(lpad(to_hex(id | (2::bigint << 62)), 16, '0'), 1, 4)
    || '-' || substr(lpad(to_hex(id | (2::bigint << 62)), 16, '0'), 5, 12)
WHERE uuid IS NULL;
ALTER TABLE measurements ALTER COLUMN uuid SET NOT NULL;
