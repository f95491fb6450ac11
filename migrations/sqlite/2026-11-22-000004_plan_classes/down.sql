DROP TABLE plan_classes;
