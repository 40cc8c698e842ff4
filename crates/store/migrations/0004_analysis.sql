-- Analysis runs and their verdicts; results over runs form a time series.

CREATE TABLE analysis_run (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz CHECK (finished_at >= started_at),
    status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    -- The weights and thresholds the run used.
    params         jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
    -- The import batches the run read.
    input_batches  bigint[] NOT NULL DEFAULT '{}',
    started_by     text NOT NULL DEFAULT 'cli',
    summary        jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE verdict (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint NOT NULL REFERENCES analysis_run ON DELETE CASCADE,
    building_id  bigint REFERENCES building ON DELETE CASCADE,
    parcel_id    bigint REFERENCES parcel ON DELETE CASCADE,
    class        text NOT NULL,
    score        double precision NOT NULL CHECK (score > '-Infinity' AND score < 'Infinity'),
    confidence   real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    -- [{source, observed_on, contribution, summary}, …]
    evidence     jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(evidence) = 'array'),
    CHECK ((building_id IS NULL) <> (parcel_id IS NULL)),
    CHECK (CASE WHEN building_id IS NOT NULL
                THEN class IN ('occupied', 'vacant', 'partly_vacant', 'risk', 'unknown')
                ELSE class IN ('building_gap', 'brownfield', 'underused', 'vacant_building_plot')
           END),
    UNIQUE (run_id, building_id),
    UNIQUE (run_id, parcel_id)
);
CREATE INDEX verdict_run_class_idx ON verdict (run_id, class);

-- A planner's decision outweighs any evidence; it stays until withdrawn.
CREATE TABLE verdict_override (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_id   bigint REFERENCES building ON DELETE CASCADE,
    parcel_id     bigint REFERENCES parcel ON DELETE CASCADE,
    class         text NOT NULL,
    author_id     bigint NOT NULL REFERENCES app_user,
    note          text NOT NULL CHECK (note <> '' AND char_length(note) <= 2000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    withdrawn_at  timestamptz,
    CHECK ((building_id IS NULL) <> (parcel_id IS NULL)),
    CHECK (CASE WHEN building_id IS NOT NULL
                THEN class IN ('occupied', 'vacant', 'partly_vacant', 'risk', 'unknown')
                ELSE class IN ('building_gap', 'brownfield', 'underused', 'vacant_building_plot')
           END)
);
CREATE UNIQUE INDEX verdict_override_active_building ON verdict_override (building_id)
    WHERE withdrawn_at IS NULL AND building_id IS NOT NULL;
CREATE UNIQUE INDEX verdict_override_active_parcel ON verdict_override (parcel_id)
    WHERE withdrawn_at IS NULL AND parcel_id IS NOT NULL;
