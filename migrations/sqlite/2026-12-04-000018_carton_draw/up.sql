-- Which cartons a pre-shipment inspection checks is drawn like a batch's
-- units: a seeded, reproducible draw (see domain::sampling::draw). An
-- inspection planned before has no seed and any cartons may be checked.
ALTER TABLE shipment_inspections ADD COLUMN seed BIGINT;
