-- When a reading or an inspection was taken on the inspector's device, as
-- the device's clock says. It differs from `recorded_at` (when the server
-- received it) for entries made offline and sent later; reports of late
-- uploads need both. NULL when the client did not say (API, imports).
ALTER TABLE measurements ADD COLUMN taken_at TIMESTAMP;
ALTER TABLE visual_inspections ADD COLUMN taken_at TIMESTAMP;
