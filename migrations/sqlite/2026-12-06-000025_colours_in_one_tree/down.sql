-- The colours' table with an id again (given in key order), its unique
-- pair of readings and its index by unit.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE derived_colours_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    x_measurement_id BIGINT NOT NULL REFERENCES measurements (id),
    y_measurement_id BIGINT NOT NULL REFERENCES measurements (id),
    cct_k DOUBLE NOT NULL,
    duv DOUBLE NOT NULL,
    macadam_steps DOUBLE,
    UNIQUE (x_measurement_id, y_measurement_id)
);
INSERT INTO derived_colours_rebuilt (batch_id, unit, x_measurement_id, y_measurement_id, cct_k, duv, macadam_steps)
SELECT batch_id, unit, x_measurement_id, y_measurement_id, cct_k, duv, macadam_steps FROM derived_colours ORDER BY batch_id, unit, x_measurement_id, y_measurement_id;
DROP TABLE derived_colours;
ALTER TABLE derived_colours_rebuilt RENAME TO derived_colours;
CREATE INDEX derived_colours_batch ON derived_colours (batch_id, unit);
COMMIT;
PRAGMA foreign_keys = ON;
