-- Result measure rows of the versions stored by this run.
INSERT INTO fct_version_result_measure (version_key, ordinal, result_part, part_index, outcome_type, title, description, population_description, reporting_status, anticipated_posting_date, param_type, dispersion_type, unit_of_measure, time_frame, calculate_pct, denom_units_selected, units_analyzed)
SELECT n.version_key, s.ordinal, s.result_part, s.part_index, s.outcome_type, s.title, s.description, s.population_description, s.reporting_status, s.anticipated_posting_date, s.param_type, s.dispersion_type, s.unit_of_measure, s.time_frame, s.calculate_pct, s.denom_units_selected, s.units_analyzed
FROM stg_result_measures AS s
JOIN stg_new_version AS n USING (record_seq);
