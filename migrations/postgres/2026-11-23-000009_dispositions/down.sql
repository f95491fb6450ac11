DROP TABLE dispositions;
