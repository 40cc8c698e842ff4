-- Planners' workflow: cases with status history, publication consent, offers, enquiries.

CREATE TABLE planner_case (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_id  bigint REFERENCES building ON DELETE CASCADE,
    parcel_id    bigint REFERENCES parcel ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'new'
                 CHECK (status IN ('new', 'owner_contacted', 'owner_answered', 'consent', 'objection', 'mobilised', 'closed')),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    opened_by    bigint NOT NULL REFERENCES app_user,
    CHECK ((building_id IS NULL) <> (parcel_id IS NULL))
);

-- Every status change with date, author and note.
CREATE TABLE case_event (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES planner_case ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    author_id    bigint NOT NULL REFERENCES app_user,
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    note         text NOT NULL DEFAULT '' CHECK (char_length(note) <= 4000),
    CHECK (from_status <> to_status)
);
CREATE INDEX case_event_case_idx ON case_event (case_id, at);

-- Why a plot may be published (§ 200 (3) BauGB): the owner's consent, or the town's
-- announcement one month ahead without objection.
CREATE TABLE publication_consent (
    parcel_id      bigint PRIMARY KEY REFERENCES parcel ON DELETE CASCADE,
    basis          text NOT NULL CHECK (basis IN ('owner_consent', 'notice_period')),
    consent_on     date,
    announced_on   date,
    objection_on   date,
    recorded_by    bigint NOT NULL REFERENCES app_user,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (CASE basis WHEN 'owner_consent' THEN consent_on IS NOT NULL
                      ELSE announced_on IS NOT NULL END)
);

CREATE TABLE offer (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parcel_id     bigint NOT NULL REFERENCES parcel ON DELETE CASCADE,
    building_id   bigint REFERENCES building ON DELETE SET NULL,
    kind          text NOT NULL CHECK (kind IN ('sale', 'lease', 'interim_use')),
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
    price_eur     numeric(12, 2) CHECK (price_eur >= 0),
    zoning_note   text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'withdrawn')),
    created_by    bigint NOT NULL REFERENCES app_user,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_parcel_idx ON offer (parcel_id);

-- Investors' enquiries; the town forwards them, the owner's contact never leaves the server.
CREATE TABLE enquiry (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offer_id      bigint NOT NULL REFERENCES offer ON DELETE CASCADE,
    message       text NOT NULL CHECK (char_length(message) BETWEEN 1 AND 4000),
    contact       text NOT NULL CHECK (char_length(contact) BETWEEN 3 AND 200),
    received_at   timestamptz NOT NULL DEFAULT now(),
    forwarded_at  timestamptz,
    forwarded_by  bigint REFERENCES app_user
);
