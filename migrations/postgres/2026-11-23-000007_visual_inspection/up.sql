-- Final visual inspection: a defect catalogue per product family, one
-- inspection per unit (pass, or the defects found), corrections by
-- superseding, and photos of defects.

ALTER TABLE products ADD COLUMN family TEXT NOT NULL DEFAULT 'general';
-- 'all': every unit of the batch (the default); 'sample': the plan's units.
ALTER TABLE products ADD COLUMN visual_scope TEXT NOT NULL DEFAULT 'all'
    CHECK (visual_scope IN ('all', 'sample'));

CREATE TABLE defect_types (
    id BIGSERIAL PRIMARY KEY,
    family TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (family, code)
);

CREATE TABLE visual_inspections (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    unit BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    supersedes BIGINT UNIQUE REFERENCES visual_inspections (id),
    reason TEXT,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX visual_inspections_original
    ON visual_inspections (batch_id, unit) WHERE supersedes IS NULL;
CREATE INDEX visual_inspections_batch ON visual_inspections (batch_id);

CREATE TABLE visual_defects (
    inspection_id BIGINT NOT NULL REFERENCES visual_inspections (id),
    defect_type_id BIGINT NOT NULL REFERENCES defect_types (id),
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (inspection_id, defect_type_id)
);

CREATE TABLE photos (
    id BIGSERIAL PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES visual_inspections (id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes BYTEA NOT NULL,
    thumbnail BYTEA NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (inspection_id, sha256)
);
