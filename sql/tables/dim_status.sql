-- Overall recruitment statuses (API v2 enumeration) with the groupings analysts need.
CREATE TABLE IF NOT EXISTS dim_status (
    status_code         VARCHAR PRIMARY KEY,
    status_label        VARCHAR NOT NULL,
    is_open             BOOLEAN NOT NULL,
    is_stopped_early    BOOLEAN NOT NULL,
    is_known            BOOLEAN NOT NULL
);
COMMENT ON TABLE dim_status IS 'Status dimension: ClinicalTrials.gov API v2 overall-status codes. Codes seen in data but not in the enumeration are added with is_known = false.';
COMMENT ON COLUMN dim_status.status_code IS 'API v2 code, e.g. RECRUITING (key).';
COMMENT ON COLUMN dim_status.status_label IS 'Human-readable label, e.g. Active, not recruiting.';
COMMENT ON COLUMN dim_status.is_open IS 'True for RECRUITING, NOT_YET_RECRUITING, ACTIVE_NOT_RECRUITING, ENROLLING_BY_INVITATION.';
COMMENT ON COLUMN dim_status.is_stopped_early IS 'True for WITHDRAWN, TERMINATED, SUSPENDED (a why_stopped is expected).';
COMMENT ON COLUMN dim_status.is_known IS 'False when the code is not in the API v2 enumeration.';
INSERT INTO dim_status VALUES
    ('NOT_YET_RECRUITING', 'Not yet recruiting', true, false, true),
    ('RECRUITING', 'Recruiting', true, false, true),
    ('ENROLLING_BY_INVITATION', 'Enrolling by invitation', true, false, true),
    ('ACTIVE_NOT_RECRUITING', 'Active, not recruiting', true, false, true),
    ('SUSPENDED', 'Suspended', false, true, true),
    ('TERMINATED', 'Terminated', false, true, true),
    ('COMPLETED', 'Completed', false, false, true),
    ('WITHDRAWN', 'Withdrawn', false, true, true),
    ('UNKNOWN', 'Unknown status', false, false, true),
    ('AVAILABLE', 'Available (expanded access)', false, false, true),
    ('NO_LONGER_AVAILABLE', 'No longer available (expanded access)', false, false, true),
    ('TEMPORARILY_NOT_AVAILABLE', 'Temporarily not available (expanded access)', false, false, true),
    ('APPROVED_FOR_MARKETING', 'Approved for marketing (expanded access)', false, false, true),
    ('WITHHELD', 'Withheld', false, false, true)
ON CONFLICT DO NOTHING;
