ALTER TABLE visual_inspections DROP COLUMN taken_at;
ALTER TABLE measurements DROP COLUMN taken_at;
