-- Colour values derived from a unit's chromaticity (x, y): computed once,
-- when the pair is recorded or corrected, and kept with the two readings
-- they come from, so that reading a batch never recomputes them (Ohno's
-- CCT search is the costly part). A row is never changed: a correction of
-- x or y is a new pair of readings, hence a new row.
CREATE TABLE derived_colours (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    x_measurement_id BIGINT NOT NULL REFERENCES measurements (id),
    y_measurement_id BIGINT NOT NULL REFERENCES measurements (id),
    cct_k DOUBLE NOT NULL,
    duv DOUBLE NOT NULL,
    -- Distance from the product's target in MacAdam steps; NULL when the
    -- product has no colour target.
    macadam_steps DOUBLE,
    UNIQUE (x_measurement_id, y_measurement_id)
);
CREATE INDEX derived_colours_batch ON derived_colours (batch_id, unit);

-- Every version of a unit's readings, found by unit: recording checks a
-- request's units, not the batch.
CREATE INDEX measurements_unit ON measurements (batch_id, unit);

-- Steps of a migration that SQL cannot do (computing the colours of the
-- readings stored before this migration), each run once at start-up.
CREATE TABLE data_migrations (
    name TEXT PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
);
