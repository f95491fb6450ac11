ALTER TABLE sampling_plans DROP COLUMN inspection_reason;
DROP TABLE switching_events;
