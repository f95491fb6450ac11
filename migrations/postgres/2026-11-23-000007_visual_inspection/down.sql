DROP TABLE photos;
DROP TABLE visual_defects;
DROP TABLE visual_inspections;
DROP TABLE defect_types;
ALTER TABLE products DROP COLUMN visual_scope;
ALTER TABLE products DROP COLUMN family;
