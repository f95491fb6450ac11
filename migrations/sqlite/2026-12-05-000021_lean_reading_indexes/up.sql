-- A batch's readings are found by `measurements_unit (batch_id, unit)`; the
-- index by (batch, characteristic) served no query that one does not, and
-- every stored reading paid for keeping it (an import of a file is mostly
-- index upkeep).
DROP INDEX measurements_batch;
