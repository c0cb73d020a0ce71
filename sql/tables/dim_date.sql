-- Calendar dimension: one row per day that any trial date falls on.
CREATE TABLE IF NOT EXISTS dim_date (
    date_day            DATE PRIMARY KEY,
    year                INTEGER NOT NULL,
    quarter             INTEGER NOT NULL,
    month               INTEGER NOT NULL,
    month_name          VARCHAR NOT NULL,
    year_month          VARCHAR NOT NULL,
    iso_week            INTEGER NOT NULL,
    day_of_week         INTEGER NOT NULL
);
COMMENT ON TABLE dim_date IS 'Calendar dimension keyed by the date itself; covers every date used by a trial version. Join any *_date column of the facts to date_day.';
COMMENT ON COLUMN dim_date.date_day IS 'The calendar day (key).';
COMMENT ON COLUMN dim_date.year IS 'Calendar year.';
COMMENT ON COLUMN dim_date.quarter IS 'Calendar quarter 1-4.';
COMMENT ON COLUMN dim_date.month IS 'Month 1-12.';
COMMENT ON COLUMN dim_date.month_name IS 'Month name in English.';
COMMENT ON COLUMN dim_date.year_month IS 'YYYY-MM, handy for grouping.';
COMMENT ON COLUMN dim_date.iso_week IS 'ISO 8601 week number.';
COMMENT ON COLUMN dim_date.day_of_week IS 'ISO day of week, 1 = Monday.';
