-- Foundation: PostGIS, import bookkeeping, users and tokens, audit log.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Every import is recorded; the same file (same checksum) twice is a no-op.
CREATE TABLE import_batch (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('alkis', 'vector', 'residents', 'meters', 'survey', 'reports')),
    source        text NOT NULL CHECK (source <> ''),
    checksum      text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz CHECK (finished_at >= started_at),
    inserted      integer NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated       integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    deleted       integer NOT NULL DEFAULT 0 CHECK (deleted >= 0),
    rejected      integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    report        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(report) = 'object')
);
CREATE INDEX import_batch_checksum_idx ON import_batch (kind, checksum);

-- Planners and administrators. Citizens and investors need no account.
CREATE TABLE app_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9._-]{2,64}$'),
    display_name  text NOT NULL CHECK (display_name <> ''),
    role          text NOT NULL CHECK (role IN ('planner', 'admin')),
    -- argon2 PHC string; NULL for token-only users
    password_hash text CHECK (password_hash LIKE '$argon2%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);

-- API tokens are stored only as a SHA-256 hash of the secret.
CREATE TABLE api_token (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
    token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CHECK (expires_at IS NULL OR expires_at > created_at)
);

-- Who changed what: planners' overrides, moderation, case changes, user management.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text NOT NULL CHECK (actor <> ''),
    action        text NOT NULL CHECK (action <> ''),
    subject_table text,
    subject_id    bigint,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_table, subject_id);
