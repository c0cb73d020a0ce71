-- Phase combinations as the API v2 lists them, joined with '/'.
CREATE TABLE IF NOT EXISTS dim_phase (
    phases              VARCHAR PRIMARY KEY,
    phase_label         VARCHAR NOT NULL,
    phase_order         INTEGER NOT NULL,
    is_known            BOOLEAN NOT NULL
);
COMMENT ON TABLE dim_phase IS 'Phase dimension: each phase combination (API v2 phases joined by /), e.g. PHASE1/PHASE2. Combinations seen in data but not listed are added with is_known = false.';
COMMENT ON COLUMN dim_phase.phases IS 'API v2 phases joined by / (key), e.g. PHASE2/PHASE3 or NA.';
COMMENT ON COLUMN dim_phase.phase_label IS 'Human-readable label, e.g. Phase 1/Phase 2.';
COMMENT ON COLUMN dim_phase.phase_order IS 'Sort order from early to late phase; NA sorts first.';
COMMENT ON COLUMN dim_phase.is_known IS 'False when the combination is not a standard one.';
INSERT INTO dim_phase VALUES
    ('NA', 'Not applicable', 0, true),
    ('EARLY_PHASE1', 'Early phase 1', 1, true),
    ('PHASE1', 'Phase 1', 2, true),
    ('PHASE1/PHASE2', 'Phase 1/Phase 2', 3, true),
    ('PHASE2', 'Phase 2', 4, true),
    ('PHASE2/PHASE3', 'Phase 2/Phase 3', 5, true),
    ('PHASE3', 'Phase 3', 6, true),
    ('PHASE4', 'Phase 4', 7, true)
ON CONFLICT DO NOTHING;
