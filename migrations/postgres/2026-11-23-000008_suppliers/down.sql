DROP INDEX switching_events_stream;
ALTER TABLE switching_events DROP COLUMN supplier_id;
ALTER TABLE batches DROP COLUMN supplier_id;
DROP TABLE suppliers;
