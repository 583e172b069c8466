SELECT w.id, w.recipient_kind, w.recipient_email AS email, p.legal_prefix AS prefix, p.legal_given AS given, p.legal_family AS family
FROM welcome_outbox w
JOIN portal_patient p ON p.id = w.patient_id
WHERE w.processed_at IS NULL AND w.given_up_at IS NULL AND w.cancelled_at IS NULL AND w.recipient_email IS NOT NULL
  AND p.archived = FALSE AND p.deceased = FALSE
ORDER BY w.id
