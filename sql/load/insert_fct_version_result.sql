-- Result rows of the versions stored by this run.
INSERT INTO fct_version_result (version_key, ordinal, recruitment_details, pre_assignment_details, flow_units_analyzed, baseline_population_description, baseline_units_analyzed, ae_frequency_threshold, ae_time_frame, ae_description, limitations_and_caveats, pi_sponsor_employee, restriction_type, restrictive_agreement, agreement_other_details, poc_title, poc_organization, poc_email, poc_phone, poc_phone_ext)
SELECT n.version_key, s.ordinal, s.recruitment_details, s.pre_assignment_details, s.flow_units_analyzed, s.baseline_population_description, s.baseline_units_analyzed, s.ae_frequency_threshold, s.ae_time_frame, s.ae_description, s.limitations_and_caveats, s.pi_sponsor_employee, s.restriction_type, s.restrictive_agreement, s.agreement_other_details, s.poc_title, s.poc_organization, s.poc_email, s.poc_phone, s.poc_phone_ext
FROM stg_result_info AS s
JOIN stg_new_version AS n USING (record_seq);
