DROP TABLE control_limit_phases;
