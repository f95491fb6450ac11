DROP TABLE ncr_actions;
DROP TABLE ncrs;
DROP TABLE unit_serials;
DROP TABLE batch_material_lots;
DROP TABLE material_decisions;
DROP TABLE material_inspections;
DROP TABLE material_documents;
DROP TABLE material_lots;
