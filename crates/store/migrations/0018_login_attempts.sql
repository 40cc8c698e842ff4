-- Logins tried at POST /planner/login, so that every server behind one database locks an
-- account or a client address out after repeated failures. Rows are kept by login text, not
-- by account, so that an unknown login is locked like a known one and says nothing about
-- which logins exist. The workflow prunes old rows when it writes.
CREATE TABLE login_attempt (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login    text NOT NULL CHECK (char_length(login) <= 64),
    address  inet NOT NULL,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    success  boolean NOT NULL
);
CREATE INDEX login_attempt_login_idx ON login_attempt (login, at);
CREATE INDEX login_attempt_address_idx ON login_attempt (address, at);
CREATE INDEX login_attempt_at_idx ON login_attempt (at);
