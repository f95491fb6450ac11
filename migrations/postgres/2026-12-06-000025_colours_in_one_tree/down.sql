-- The colours' table with an id again, its unique pair of readings and
-- its index by unit.
ALTER TABLE derived_colours DROP CONSTRAINT derived_colours_pkey;
ALTER TABLE derived_colours ADD COLUMN id BIGSERIAL PRIMARY KEY;
ALTER TABLE derived_colours ADD UNIQUE (x_measurement_id, y_measurement_id);
CREATE INDEX derived_colours_batch ON derived_colours (batch_id, unit);
