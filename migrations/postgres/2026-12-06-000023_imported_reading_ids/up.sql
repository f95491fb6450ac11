-- An imported reading is stored without a client id: its public id is
-- derived from its row id (`store::reading_ids`). PostgreSQL's unique
-- constraint already lets NULLs be.
ALTER TABLE measurements ALTER COLUMN uuid DROP NOT NULL;
