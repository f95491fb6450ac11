CREATE UNIQUE INDEX measurements_original
    ON measurements (batch_id, unit, characteristic_id) WHERE supersedes IS NULL;
CREATE INDEX measurements_unit ON measurements (batch_id, unit);
ALTER TABLE measurements ADD CONSTRAINT measurements_supersedes_key UNIQUE (supersedes);
DROP INDEX measurements_corrections;
DROP INDEX measurements_version;
