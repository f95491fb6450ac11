-- Issued QC reports: immutable documents. Each revision of an order's
-- report keeps its exact bytes and their SHA-256, so a download gives the
-- same file every time and a customer can check a file they hold. A new
-- revision is issued when the data behind the report change
-- (data_sha256), saying what changed; older revisions stay.
CREATE TABLE issued_reports (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    number TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    sha256 TEXT NOT NULL UNIQUE,
    data_sha256 TEXT NOT NULL,
    -- JSON array of sentences: what changed since the previous revision.
    changes TEXT NOT NULL,
    pdf BYTEA NOT NULL,
    issued_by BIGINT REFERENCES users (id),
    issued_at TIMESTAMP NOT NULL,
    UNIQUE (order_id, revision)
);
