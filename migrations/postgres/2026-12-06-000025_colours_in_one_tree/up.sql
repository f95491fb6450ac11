-- A unit's derived colours are keyed by (batch, unit, x reading, y
-- reading), the order they are read in, as on SQLite (where the table was
-- rebuilt into one B-tree): the key is unique where (x reading, y reading)
-- was, since a pair's readings are of one unit of one batch. Nothing
-- refers to a colour by id; the id goes (and its primary key with it).
ALTER TABLE derived_colours DROP COLUMN id;
ALTER TABLE derived_colours
    DROP CONSTRAINT derived_colours_x_measurement_id_y_measurement_id_key;
DROP INDEX derived_colours_batch;
ALTER TABLE derived_colours
    ADD PRIMARY KEY (batch_id, unit, x_measurement_id, y_measurement_id);
