-- Photos of what a customer's receipt check found: evidence of the
-- defects, kept with the check (the same picture twice is kept once).
CREATE TABLE receipt_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_check_id BIGINT NOT NULL REFERENCES receipt_checks (id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes BLOB NOT NULL,
    thumbnail BLOB NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (receipt_check_id, sha256)
);
