-- What an ISO 2859-1 plan counts: nonconforming units, or nonconformities
-- per 100 units (several to a unit; every AQL above 10 counts those).
ALTER TABLE sampling_plans ADD COLUMN counts TEXT NOT NULL DEFAULT 'nonconforming_units';
