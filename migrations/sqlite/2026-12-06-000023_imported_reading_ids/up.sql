-- A reading with no client id (imported, or sent without one) is stored
-- without one: its public id is derived from its row id
-- (`store::reading_ids`), so that an import does not write a 36-character
-- id per reading and a unique index entry for it (together a sixth of an
-- import's time, and most of its bytes). The column becomes nullable and
-- its unique index holds the client ids alone (a partial index: NULLs
-- take no entry). Readings stored before keep the ids they were answered
-- with.
--
-- SQLite cannot drop a NOT NULL constraint in place: the table is rebuilt
-- as in migration 000022 (https://sqlite.org/lang_altertable.html, "Making
-- Other Kinds Of Table Schema Changes"), its ids copied as they are.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE measurements_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT,
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
CREATE UNIQUE INDEX measurements_uuid ON measurements (uuid) WHERE uuid IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
