DROP TABLE measurements;
DROP TABLE sample_units;
DROP TABLE sampling_plans;
DROP TABLE batches;
DROP TABLE orders;
DROP TABLE characteristics;
DROP TABLE products;
DROP TABLE customers;
