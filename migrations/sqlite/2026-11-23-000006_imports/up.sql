-- Instrument files imported into a batch, recognised by their SHA-256 so
-- the same file is stored once; readings point at the import they came from.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    instrument TEXT,
    rows_read BIGINT NOT NULL,
    readings BIGINT NOT NULL,
    imported_by BIGINT REFERENCES users (id),
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (batch_id, sha256)
);

-- Column mappings saved per instrument and product; the newest one applies.
CREATE TABLE instrument_mappings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instrument TEXT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    unit_column TEXT NOT NULL,
    column_map TEXT NOT NULL,
    saved_by BIGINT REFERENCES users (id),
    saved_at TIMESTAMP NOT NULL
);
CREATE INDEX instrument_mappings_lookup ON instrument_mappings (instrument, product_id);

ALTER TABLE measurements ADD COLUMN import_id BIGINT REFERENCES imports (id);
