-- The language a user chose for pages and reports (`en`, `zh-CN`); NULL
-- until they choose, when the browser's Accept-Language decides.
ALTER TABLE users ADD COLUMN language TEXT;
