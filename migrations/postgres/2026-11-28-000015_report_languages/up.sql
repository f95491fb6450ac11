-- An issued revision in each further language it is offered in (Chinese,
-- and Chinese with English): the same data, rendered at the same moment,
-- each file immutable with its own SHA-256, so a customer can verify the
-- file it holds whichever language it chose. The revision's English file
-- stays in issued_reports.
CREATE TABLE issued_report_files (
    id BIGSERIAL PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES issued_reports (id),
    -- `zh-CN` or `bilingual`
    language TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    pdf BYTEA NOT NULL,
    UNIQUE (report_id, language)
);
