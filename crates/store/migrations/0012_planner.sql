-- Planner workflow: an owner may object to publication before any announcement, so a
-- notice-period row may carry only its objection; lookups the planner routes need.

ALTER TABLE publication_consent DROP CONSTRAINT publication_consent_check;
ALTER TABLE publication_consent ADD CONSTRAINT publication_consent_check
    CHECK (CASE basis WHEN 'owner_consent' THEN consent_on IS NOT NULL
                      ELSE announced_on IS NOT NULL OR objection_on IS NOT NULL END);

CREATE INDEX address_parcel_idx ON address (parcel_id);
CREATE INDEX enquiry_offer_idx ON enquiry (offer_id);
CREATE INDEX planner_case_status_idx ON planner_case (status);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
