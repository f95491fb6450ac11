-- Suppliers of incoming material. A batch with a supplier is a lot received
-- from that supplier (incoming inspection); its switching rules are kept
-- per product and supplier.
CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
ALTER TABLE batches ADD COLUMN supplier_id BIGINT REFERENCES suppliers (id);
ALTER TABLE switching_events ADD COLUMN supplier_id BIGINT REFERENCES suppliers (id);
CREATE INDEX switching_events_stream ON switching_events (product_id, supplier_id, id);
