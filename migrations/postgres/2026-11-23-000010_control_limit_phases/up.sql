-- Control limits frozen by a lead: from the batch `first_batch_id` on, a
-- product's chart of a characteristic is judged against the limits of the
-- baseline batches first_batch_id..=last_batch_id, until the next phase.
CREATE TABLE control_limit_phases (
    id BIGSERIAL PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    characteristic TEXT NOT NULL,
    chart TEXT NOT NULL,
    first_batch_id BIGINT NOT NULL REFERENCES batches (id),
    last_batch_id BIGINT NOT NULL REFERENCES batches (id),
    frozen_by BIGINT REFERENCES users (id),
    frozen_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, characteristic, chart, first_batch_id)
);
