DROP TABLE issued_report_files;
