ALTER TABLE sampling_plans DROP COLUMN counts;
