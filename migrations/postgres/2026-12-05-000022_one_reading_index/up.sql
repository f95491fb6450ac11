-- One index does the work of `supersedes UNIQUE`, `measurements_original`
-- and `measurements_unit` (see the SQLite migration of the same name for
-- why each keeps holding); the corrections alone are indexed by what they
-- correct.
CREATE UNIQUE INDEX measurements_version
    ON measurements (batch_id, unit, characteristic_id, COALESCE(supersedes, 0));
CREATE INDEX measurements_corrections ON measurements (supersedes) WHERE supersedes IS NOT NULL;
ALTER TABLE measurements DROP CONSTRAINT measurements_supersedes_key;
DROP INDEX measurements_original;
DROP INDEX measurements_unit;
