ALTER TABLE characteristics DROP COLUMN quantity;
