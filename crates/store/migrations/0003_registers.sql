-- Municipal registers: residents per address, meter readings, field surveys, citizen reports.
-- All of it is private; public endpoints only ever see aggregates over >= 5 addresses.

-- Residents' register extract (Einwohnermeldeamt), aggregated per address in age bands.
CREATE TABLE resident_count (
    address_id       bigint NOT NULL REFERENCES address ON DELETE CASCADE,
    reference_date   date NOT NULL CHECK (reference_date >= '1990-01-01'),
    age_0_17         smallint NOT NULL CHECK (age_0_17 >= 0),
    age_18_64        smallint NOT NULL CHECK (age_18_64 >= 0),
    age_65_74        smallint NOT NULL CHECK (age_65_74 >= 0),
    age_75_plus      smallint NOT NULL CHECK (age_75_plus >= 0),
    -- Registered with a secondary residence (Nebenwohnsitz) only.
    secondary        smallint NOT NULL DEFAULT 0 CHECK (secondary >= 0),
    total            integer GENERATED ALWAYS AS (age_0_17 + age_18_64 + age_65_74 + age_75_plus) STORED,
    -- Last move-in or move-out registered at the address.
    last_change_on   date CHECK (last_change_on <= reference_date),
    import_batch_id  bigint NOT NULL REFERENCES import_batch,
    PRIMARY KEY (address_id, reference_date)
);

-- Yearly consumption per address from the utility (Stadtwerke).
CREATE TABLE meter_reading (
    address_id       bigint NOT NULL REFERENCES address ON DELETE CASCADE,
    medium           text NOT NULL CHECK (medium IN ('electricity', 'water')),
    year             smallint NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    -- kWh for electricity, m³ for water
    consumption      double precision NOT NULL CHECK (consumption >= 0 AND consumption < 'Infinity'),
    import_batch_id  bigint NOT NULL REFERENCES import_batch,
    PRIMARY KEY (address_id, medium, year)
);

-- Field survey by the building office: first-hand, dated evidence.
CREATE TABLE field_survey (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_id      bigint REFERENCES building ON DELETE CASCADE,
    address_id       bigint REFERENCES address ON DELETE CASCADE,
    surveyed_on      date NOT NULL CHECK (surveyed_on >= '1990-01-01'),
    finding          text NOT NULL
                     CHECK (finding IN ('occupied', 'vacant', 'partly_vacant', 'unclear', 'demolished')),
    dwellings        smallint CHECK (dwellings >= 0),
    vacant_dwellings smallint CHECK (vacant_dwellings >= 0 AND vacant_dwellings <= dwellings),
    condition        text CHECK (condition IN ('good', 'fair', 'poor', 'ruin')),
    note             text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
    surveyor         text,
    import_batch_id  bigint REFERENCES import_batch,
    CHECK (building_id IS NOT NULL OR address_id IS NOT NULL)
);
CREATE INDEX field_survey_building_idx ON field_survey (building_id);

-- Citizen reports: the reporter's contact stays private; public only after moderation.
CREATE TABLE citizen_report (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    geom             geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    category         text NOT NULL
                     CHECK (category IN ('vacant_building', 'vacant_plot', 'brownfield', 'interim_use', 'other')),
    body             text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    reported_at      timestamptz NOT NULL DEFAULT now(),
    contact          text CHECK (char_length(contact) <= 200),
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'rejected', 'duplicate')),
    moderated_by     bigint REFERENCES app_user,
    moderated_at     timestamptz,
    -- What the public map shows after moderation, written by the moderator.
    public_text      text CHECK (char_length(public_text) <= 2000),
    building_id      bigint REFERENCES building ON DELETE SET NULL,
    import_batch_id  bigint REFERENCES import_batch,
    CHECK (status = 'pending' OR moderated_at IS NOT NULL)
);
CREATE INDEX citizen_report_geom_gist ON citizen_report USING gist (geom);
CREATE INDEX citizen_report_status_idx ON citizen_report (status);
