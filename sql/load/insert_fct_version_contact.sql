-- Contacts of the versions stored by this run.
INSERT INTO fct_version_contact (version_key, ordinal, contact_scope, contact_name, contact_role, phone, email, facility_name, phone_ext)
SELECT n.version_key, s.ordinal, s.contact_scope, s.name, s.role, s.phone, s.email, s.facility, s.phone_ext
FROM stg_contacts AS s
JOIN stg_new_version AS n USING (record_seq);
