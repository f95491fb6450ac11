ALTER TABLE shipment_inspections DROP COLUMN seed;
