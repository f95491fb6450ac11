DROP TABLE data_migrations;
DROP INDEX measurements_unit;
DROP TABLE derived_colours;
