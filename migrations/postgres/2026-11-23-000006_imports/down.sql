ALTER TABLE measurements DROP COLUMN import_id;
DROP TABLE instrument_mappings;
DROP TABLE imports;
