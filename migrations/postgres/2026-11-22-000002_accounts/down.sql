ALTER TABLE measurements DROP COLUMN recorded_by;
DROP TABLE audit_log;
DROP TABLE login_attempts;
DROP TABLE auth_tokens;
DROP TABLE users;
