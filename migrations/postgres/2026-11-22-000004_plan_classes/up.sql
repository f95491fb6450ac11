-- ISO 2859-1 plans per class of nonconformity (critical, major, minor) of
-- one batch plan. Class k uses the first sample_size units of the plan's
-- draw order, a uniform random subset of the drawn units.
CREATE TABLE plan_classes (
    plan_id BIGINT NOT NULL REFERENCES sampling_plans (id),
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    aql DOUBLE PRECISION NOT NULL,
    plan_letter TEXT NOT NULL,
    sample_size BIGINT NOT NULL,
    accept INTEGER NOT NULL,
    reject INTEGER NOT NULL,
    PRIMARY KEY (plan_id, severity)
);
