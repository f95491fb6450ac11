-- Every reading paid for four B-trees beside the table: `supersedes UNIQUE`,
-- `measurements_original`, `measurements_unit` and `uuid UNIQUE`. One index
-- now does the work of the first three:
-- - (batch_id, unit, characteristic_id) leads it, so it finds a batch's, a
--   unit's and a reading's versions as `measurements_unit` did;
-- - IFNULL(supersedes, 0) is 0 for an original, so a unit has one original
--   per characteristic, as `measurements_original` asked;
-- - a correction keeps its reading's batch, unit and characteristic, so two
--   corrections of one reading collide, as `supersedes UNIQUE` asked.
-- Which reading corrects a given one is found by a partial unique index
-- holding the corrections alone, which also keeps a reading from being
-- corrected twice whatever a correction's batch, unit and characteristic.
--
-- PostgreSQL keeps the three indexes: with the one index on an expression,
-- a large import there took twice as long and more (its planner has no
-- statistics for the expression until the table is analysed).
--
-- SQLite's way of changing a constraint (https://sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): a new table, the rows
-- copied with their ids, the old one dropped and the new one renamed, with
-- foreign keys off meanwhile (the ids are copied as they are, so every
-- reference to a reading still holds). `BEGIN IMMEDIATE` takes the write
-- lock before any work, so a busy database refuses the migration whole.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE measurements_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    characteristic_id BIGINT NOT NULL REFERENCES characteristics (id),
    value DOUBLE NOT NULL,
    supersedes BIGINT REFERENCES measurements (id),
    reason TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    import_id BIGINT REFERENCES imports (id),
    taken_at TIMESTAMP
);
INSERT INTO measurements_rebuilt (id, uuid, batch_id, unit, characteristic_id, value,
    supersedes, reason, recorded_at, recorded_by, import_id, taken_at)
SELECT id, uuid, batch_id, unit, characteristic_id, value,
    supersedes, reason, recorded_at, recorded_by, import_id, taken_at
FROM measurements ORDER BY id;
DROP TABLE measurements;
ALTER TABLE measurements_rebuilt RENAME TO measurements;
CREATE UNIQUE INDEX measurements_version
    ON measurements (batch_id, unit, characteristic_id, IFNULL(supersedes, 0));
CREATE UNIQUE INDEX measurements_corrections
    ON measurements (supersedes) WHERE supersedes IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
