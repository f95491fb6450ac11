-- ISO 2859-1 switching history per product: one row per lot result or
-- corrective action, never updated; the newest row is the current state.
CREATE TABLE switching_events (
    id BIGSERIAL PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    batch_id BIGINT UNIQUE REFERENCES batches (id),
    accepted BOOLEAN,
    nonconforming_units BIGINT,
    severity TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX switching_events_product ON switching_events (product_id, id);

ALTER TABLE sampling_plans ADD COLUMN inspection_reason TEXT;
