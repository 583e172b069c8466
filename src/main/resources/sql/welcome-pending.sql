SELECT w.id, p.legal_prefix AS prefix, p.legal_given AS given, p.legal_family AS family, t.contact_value AS email
FROM welcome_outbox w
JOIN portal_patient p ON p.id = w.patient_id
JOIN portal_patient_telecom t ON t.patient_id = p.id AND t.system = 'email' AND t.position = 0
WHERE w.processed_at IS NULL AND p.archived = FALSE
ORDER BY w.id
