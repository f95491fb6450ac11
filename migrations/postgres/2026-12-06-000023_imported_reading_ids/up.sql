-- A reading with no client id (imported, or sent without one) is stored
-- without one: its public id is derived from its row id
-- (`store::reading_ids`). PostgreSQL's unique
-- constraint already lets NULLs be.
ALTER TABLE measurements ALTER COLUMN uuid DROP NOT NULL;
