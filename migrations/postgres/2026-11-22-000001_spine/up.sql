-- The service spine: customers, products and their inspection templates,
-- orders, batches, sampling plans with their drawn units, and measurements.
-- Kept identical in meaning to migrations/sqlite; tests migrate both.

CREATE TABLE customers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE products (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    customer_id BIGINT REFERENCES customers (id),
    params TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE characteristics (
    id BIGSERIAL PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id),
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('variable', 'attribute')),
    nominal DOUBLE PRECISION,
    lsl DOUBLE PRECISION,
    usl DOUBLE PRECISION,
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    UNIQUE (product_id, code)
);

CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    po_number TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    due_date TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (customer_id, po_number)
);
CREATE INDEX orders_product ON orders (product_id);

CREATE TABLE batches (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    number INTEGER NOT NULL,
    lot_size BIGINT NOT NULL CHECK (lot_size > 0),
    line TEXT,
    production_date TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (order_id, number)
);

CREATE TABLE sampling_plans (
    id BIGSERIAL PRIMARY KEY,
    batch_id BIGINT NOT NULL UNIQUE REFERENCES batches (id),
    method TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    seed BIGINT NOT NULL,
    lot_size BIGINT NOT NULL,
    sample_size BIGINT NOT NULL,
    percent DOUBLE PRECISION,
    aql DOUBLE PRECISION,
    level TEXT,
    inspection TEXT,
    code_letter TEXT,
    plan_letter TEXT,
    accept INTEGER,
    reject INTEGER,
    created_at TIMESTAMP NOT NULL
);

-- The drawn units of a plan, in draw order (position 0 is the first draw).
CREATE TABLE sample_units (
    plan_id BIGINT NOT NULL REFERENCES sampling_plans (id),
    position INTEGER NOT NULL,
    unit BIGINT NOT NULL,
    PRIMARY KEY (plan_id, position),
    UNIQUE (plan_id, unit)
);

-- Readings are never updated or deleted: a correction is a new row whose
-- `supersedes` points at the reading it replaces.
CREATE TABLE measurements (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    characteristic_id BIGINT NOT NULL REFERENCES characteristics (id),
    value DOUBLE PRECISION NOT NULL,
    supersedes BIGINT UNIQUE REFERENCES measurements (id),
    reason TEXT,
    recorded_at TIMESTAMP NOT NULL
);
-- One original reading per unit and characteristic; later ones must supersede.
CREATE UNIQUE INDEX measurements_original
    ON measurements (batch_id, unit, characteristic_id) WHERE supersedes IS NULL;
CREATE INDEX measurements_batch ON measurements (batch_id, characteristic_id);
