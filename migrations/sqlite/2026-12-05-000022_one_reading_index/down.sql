PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE measurements_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    characteristic_id BIGINT NOT NULL REFERENCES characteristics (id),
    value DOUBLE NOT NULL,
    supersedes BIGINT UNIQUE REFERENCES measurements (id),
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
CREATE UNIQUE INDEX measurements_original
    ON measurements (batch_id, unit, characteristic_id) WHERE supersedes IS NULL;
CREATE INDEX measurements_unit ON measurements (batch_id, unit);
COMMIT;
PRAGMA foreign_keys = ON;
