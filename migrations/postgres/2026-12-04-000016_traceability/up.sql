-- Before and after production: the material lots received from suppliers
-- with their documents and incoming inspection, the production batches
-- they went into, the units' serial numbers, and non-conformance reports
-- with their corrective actions. Nothing here is updated in place but a
-- report's status and an action's completion; decisions are appended.

CREATE TABLE material_lots (
    id BIGSERIAL PRIMARY KEY,
    supplier_id BIGINT NOT NULL REFERENCES suppliers (id),
    material TEXT NOT NULL,
    lot_number TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    -- YYYY-MM-DD
    received_on TEXT NOT NULL,
    -- Whether the material needs a valid supplier certificate on file.
    certificate_required BOOLEAN NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (supplier_id, material, lot_number)
);

-- Supplier documents: a qualification certificate or a material test
-- report (LM-80 of an LED package, a driver's test report), stored as sent.
CREATE TABLE material_documents (
    id BIGSERIAL PRIMARY KEY,
    material_lot_id BIGINT NOT NULL REFERENCES material_lots (id),
    kind TEXT NOT NULL CHECK (kind IN ('certificate', 'test_report')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    issued_on TEXT,
    expires_on TEXT,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX material_documents_of_lot ON material_documents (material_lot_id);

-- The incoming inspection of a lot: its ISO 2859-1 plan and what was found.
CREATE TABLE material_inspections (
    id BIGSERIAL PRIMARY KEY,
    material_lot_id BIGINT NOT NULL UNIQUE REFERENCES material_lots (id),
    aql DOUBLE PRECISION NOT NULL,
    level TEXT NOT NULL,
    severity TEXT NOT NULL,
    counts TEXT NOT NULL CHECK (counts IN ('nonconforming_units', 'nonconformities')),
    code_letter TEXT NOT NULL,
    sample_size BIGINT NOT NULL,
    accept BIGINT NOT NULL,
    reject BIGINT NOT NULL,
    found BIGINT NOT NULL CHECK (found >= 0),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);

-- A lot's signed decisions; a change of mind supersedes.
CREATE TABLE material_decisions (
    id BIGSERIAL PRIMARY KEY,
    material_lot_id BIGINT NOT NULL REFERENCES material_lots (id),
    meaning TEXT NOT NULL CHECK (meaning IN ('accepted', 'rejected', 'on_hold')),
    comment TEXT NOT NULL,
    supersedes BIGINT UNIQUE REFERENCES material_decisions (id),
    signed_by BIGINT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX material_decisions_first ON material_decisions (material_lot_id)
    WHERE supersedes IS NULL;

-- Which material lots went into which production batch; a lot not
-- accepted is used only under a recorded concession.
CREATE TABLE batch_material_lots (
    id BIGSERIAL PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    material_lot_id BIGINT NOT NULL REFERENCES material_lots (id),
    concession TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (batch_id, material_lot_id)
);
CREATE INDEX batch_material_lots_by_lot ON batch_material_lots (material_lot_id);

-- Serial numbers of a batch's units: unique across the factory.
CREATE TABLE unit_serials (
    id BIGSERIAL PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    UNIQUE (batch_id, unit)
);

-- Non-conformance reports and their corrective and preventive action.
CREATE TABLE ncrs (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    batch_id BIGINT REFERENCES batches (id),
    material_lot_id BIGINT REFERENCES material_lots (id),
    source TEXT NOT NULL CHECK (source IN ('customer_claim', 'receipt_check', 'internal')),
    description TEXT NOT NULL,
    serials TEXT NOT NULL,
    disposition TEXT CHECK (disposition IN
        ('rework', 'scrap', 'use_as_is', 'return', 'replace_under_warranty')),
    root_cause TEXT,
    effectiveness TEXT,
    opened_by BIGINT NOT NULL REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL,
    closed_by BIGINT REFERENCES users (id),
    closed_at TIMESTAMP
);
CREATE INDEX ncrs_of_order ON ncrs (order_id);

CREATE TABLE ncr_actions (
    id BIGSERIAL PRIMARY KEY,
    ncr_id BIGINT NOT NULL REFERENCES ncrs (id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- YYYY-MM-DD
    due_on TEXT NOT NULL,
    done_by BIGINT REFERENCES users (id),
    done_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ncr_actions_open ON ncr_actions (done_at, due_on);
