-- Gives imported readings stored without a client id the id they are
-- answered with (see up.sql), then makes the column NOT NULL again.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
UPDATE measurements
SET uuid = '6c6f7463-686b-8000-' || substr(printf('%016x', id | (2 << 62)), 1, 4)
    || '-' || substr(printf('%016x', id | (2 << 62)), 5, 12)
WHERE uuid IS NULL;
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
