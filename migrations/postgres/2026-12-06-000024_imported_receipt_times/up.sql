-- An imported reading's receipt time is its import's
-- (`imports.imported_at`): `recorded_at` is NULL for it, and every read
-- takes its import's time instead (`store::measurements`). Readings stored
-- before keep their times. (On SQLite the table is rebuilt, and `id` loses
-- AUTOINCREMENT, which PostgreSQL's sequence has no counterpart of.)
ALTER TABLE measurements ALTER COLUMN recorded_at DROP NOT NULL;
ALTER TABLE measurements ADD CONSTRAINT measurements_receipt
    CHECK (recorded_at IS NOT NULL OR import_id IS NOT NULL);
