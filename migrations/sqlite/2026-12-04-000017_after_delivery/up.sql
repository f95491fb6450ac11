-- After QC release: the packed goods' pre-shipment inspection (cartons drawn
-- by an ISO 2859-1 plan, each checked against the packing list and its
-- labels), the customer's own receipt check of a delivered batch, and
-- warranty claims answered from the batch's QC record.

-- Months of warranty an order carries, counted from its batch's release.
ALTER TABLE orders ADD COLUMN warranty_months INTEGER NOT NULL DEFAULT 24;

CREATE TABLE shipment_inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL UNIQUE REFERENCES batches (id),
    -- The packing list: cartons, units in each, gross weight and volume.
    cartons BIGINT NOT NULL CHECK (cartons > 0),
    units_per_carton BIGINT NOT NULL CHECK (units_per_carton > 0),
    gross_weight_kg DOUBLE PRECISION NOT NULL,
    weight_tolerance_kg DOUBLE PRECISION NOT NULL,
    carton_volume_m3 DOUBLE PRECISION NOT NULL,
    -- The GTIN the cartons' product barcode must carry (14 digits).
    gtin TEXT NOT NULL,
    aql DOUBLE PRECISION NOT NULL,
    code_letter TEXT NOT NULL,
    sample_size BIGINT NOT NULL,
    accept BIGINT NOT NULL,
    reject BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- One check of one drawn carton; a re-check supersedes the last.
CREATE TABLE carton_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id BIGINT NOT NULL REFERENCES shipment_inspections (id),
    carton BIGINT NOT NULL,
    units_counted BIGINT NOT NULL,
    gross_weight_kg DOUBLE PRECISION NOT NULL,
    -- JSON list: crushed, wet, shock_protection_missing, moisture_protection_missing
    packaging TEXT NOT NULL,
    barcode TEXT NOT NULL,
    marks_po TEXT NOT NULL,
    marks_model TEXT NOT NULL,
    marks_quantity BIGINT NOT NULL,
    -- JSON list of what was found wrong, and how many nonconformities.
    findings TEXT NOT NULL,
    nonconformities BIGINT NOT NULL,
    supersedes BIGINT UNIQUE REFERENCES carton_checks (id),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX carton_checks_of_inspection ON carton_checks (inspection_id, carton);

CREATE TABLE receipt_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    units_checked BIGINT NOT NULL,
    accepted BOOLEAN NOT NULL,
    -- JSON list of {defect, count}
    defects TEXT NOT NULL,
    note TEXT NOT NULL,
    checked_on TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX receipt_checks_of_batch ON receipt_checks (batch_id);

CREATE TABLE warranty_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    serial TEXT,
    claim_date TEXT NOT NULL,
    description TEXT NOT NULL,
    within_warranty BOOLEAN NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX warranty_claims_of_order ON warranty_claims (order_id);
