-- Writes each imported reading's receipt time (its import's) into the
-- column, then makes it NOT NULL again.
ALTER TABLE measurements DROP CONSTRAINT measurements_receipt;
UPDATE measurements SET recorded_at = imports.imported_at
FROM imports
WHERE measurements.recorded_at IS NULL AND imports.id = measurements.import_id;
ALTER TABLE measurements ALTER COLUMN recorded_at SET NOT NULL;
