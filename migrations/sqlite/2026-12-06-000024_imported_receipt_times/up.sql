-- An imported reading is received when its file is: its receipt time is
-- its import's (`imports.imported_at`) and is not written out again for
-- each reading, where it was a third of an imported row's bytes (26
-- characters of text). `recorded_at` is NULL for such a reading; every
-- read takes its import's time instead (`store::measurements`). Readings
-- stored before keep their times.
--
-- `id` loses AUTOINCREMENT, which made SQLite read and write
-- `sqlite_sequence` for every statement and compare each new id with it
-- (a tenth of an import's insert). Readings are never deleted, so the
-- largest id is the largest ever held, and a new row's id is one more
-- (https://sqlite.org/autoinc.html): ids still count up and are never
-- used twice (`store::inserted_ids` rests on that).
--
-- The table is rebuilt as in migration 000023.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE measurements_rebuilt (
    id INTEGER PRIMARY KEY,
    uuid TEXT,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    characteristic_id BIGINT NOT NULL REFERENCES characteristics (id),
    value DOUBLE NOT NULL,
    supersedes BIGINT REFERENCES measurements (id),
    reason TEXT,
    recorded_at TIMESTAMP,
    recorded_by BIGINT REFERENCES users (id),
    import_id BIGINT REFERENCES imports (id),
    taken_at TIMESTAMP,
    CHECK (recorded_at IS NOT NULL OR import_id IS NOT NULL)
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
