DROP TABLE warranty_claims;
DROP TABLE receipt_checks;
DROP TABLE carton_checks;
DROP TABLE shipment_inspections;
ALTER TABLE orders DROP COLUMN warranty_months;
