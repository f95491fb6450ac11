-- A unit's derived colours are kept in one B-tree, in the order they are
-- read (a batch's, or some units' of it), where a table, its id index and
-- two more indexes kept them: storing an imported file's colours wrote
-- three B-trees per unit (a sixth of the import's writes). The key (batch,
-- unit, x reading, y reading) is unique where (x reading, y reading) was:
-- a pair's readings are of one unit of one batch. Nothing refers to a
-- colour by id; the id goes.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE derived_colours_rebuilt (
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    x_measurement_id BIGINT NOT NULL REFERENCES measurements (id),
    y_measurement_id BIGINT NOT NULL REFERENCES measurements (id),
    cct_k DOUBLE NOT NULL,
    duv DOUBLE NOT NULL,
    -- Distance from the product's target in MacAdam steps; NULL when the
    -- product has no colour target.
    macadam_steps DOUBLE,
    PRIMARY KEY (batch_id, unit, x_measurement_id, y_measurement_id)
) WITHOUT ROWID;
INSERT INTO derived_colours_rebuilt (batch_id, unit, x_measurement_id, y_measurement_id, cct_k, duv, macadam_steps)
SELECT batch_id, unit, x_measurement_id, y_measurement_id, cct_k, duv, macadam_steps FROM derived_colours;
DROP TABLE derived_colours;
ALTER TABLE derived_colours_rebuilt RENAME TO derived_colours;
COMMIT;
PRAGMA foreign_keys = ON;
