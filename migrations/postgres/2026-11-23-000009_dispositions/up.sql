-- Batch decisions signed electronically: who (re-entering the password),
-- what it means, why, when, and a hash of the data the decision was based
-- on. Never updated: a change of mind is a new decision superseding it.
CREATE TABLE dispositions (
    id BIGSERIAL PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    meaning TEXT NOT NULL
        CHECK (meaning IN ('released', 'rejected', 'on_hold', 'released_under_concession')),
    proposal TEXT NOT NULL CHECK (proposal IN ('accept', 'reject', 'hold')),
    comment TEXT NOT NULL,
    data_sha256 TEXT NOT NULL,
    supersedes BIGINT UNIQUE REFERENCES dispositions (id),
    signed_by BIGINT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP NOT NULL
);
-- One first decision per batch; later ones must supersede.
CREATE UNIQUE INDEX dispositions_first ON dispositions (batch_id) WHERE supersedes IS NULL;
