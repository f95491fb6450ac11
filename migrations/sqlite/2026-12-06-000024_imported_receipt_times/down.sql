-- Writes each imported reading's receipt time (its import's) into the
-- column, then makes it NOT NULL and `id` AUTOINCREMENT again (the copy
-- of the largest id sets the table's sequence).
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
SELECT id, uuid, batch_id, unit, characteristic_id, value, supersedes, reason,
    COALESCE(recorded_at, (SELECT imports.imported_at FROM imports
                           WHERE imports.id = measurements.import_id)),
    recorded_by, import_id, taken_at
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
