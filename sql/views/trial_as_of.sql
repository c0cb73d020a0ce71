-- Point in time: the warehouse as it described each trial on a given date.
CREATE OR REPLACE MACRO trial_as_of(as_of) AS TABLE
    SELECT *
    FROM fct_trial_version
    WHERE valid_from <= as_of AND (valid_to IS NULL OR valid_to > as_of);
COMMENT ON MACRO TABLE trial_as_of IS 'trial_as_of(DATE ''2021-06-30''): one row per trial that had a version valid on that date, with every fct_trial_version column.';
