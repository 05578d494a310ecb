-- User pools (issue #15): the local backends become a user-pool engine with pools, app clients,
-- users with statuses and attributes, challenge sessions, and per-pool signing keys.
--
-- Everything a database of an older release holds moves into the *default pool* and its *default
-- client* (the `/v1` API's): the rows below are placeholders whose ids and settings every process
-- overwrites at start-up from its flags (`--default-pool-id`, `--token-client-id`, `--issuer`,
-- the password policy, token lifetimes). Ids change with ON UPDATE CASCADE, so the users,
-- tokens and keys follow their pool and client.
--
-- Timestamps are written by the engine (its clock), not by triggers.

CREATE TABLE user_pools (
    id                               text        PRIMARY KEY
                                                 CHECK (id ~ '^[A-Za-z0-9_-]+_[0-9A-Za-z]+$' AND char_length(id) <= 55),
    is_default                       boolean     NOT NULL DEFAULT false,
    name                             text        NOT NULL CHECK (name <> '' AND char_length(name) <= 128),
    min_password_length              integer     NOT NULL CHECK (min_password_length >= 1),
    require_lowercase                boolean     NOT NULL,
    require_uppercase                boolean     NOT NULL,
    require_digit                    boolean     NOT NULL,
    require_symbol                   boolean     NOT NULL,
    temporary_password_validity_days integer     NOT NULL CHECK (temporary_password_validity_days BETWEEN 0 AND 365),
    case_sensitive                   boolean     NOT NULL,
    username_attributes              text[]      NOT NULL DEFAULT '{}',
    allow_admin_create_user_only     boolean     NOT NULL,
    issuer                           text        NOT NULL CHECK (issuer <> ''),
    created_at                       timestamptz NOT NULL,
    last_modified_at                 timestamptz NOT NULL
);

-- At most one default pool.
CREATE UNIQUE INDEX user_pools_one_default ON user_pools (is_default) WHERE is_default;

CREATE TABLE app_clients (
    id                            text        PRIMARY KEY CHECK (id <> '' AND char_length(id) <= 128),
    pool_id                       text        NOT NULL REFERENCES user_pools (id) ON UPDATE CASCADE ON DELETE CASCADE,
    is_default                    boolean     NOT NULL DEFAULT false,
    name                          text        NOT NULL CHECK (name <> '' AND char_length(name) <= 128),
    -- Stored in clear, like the signing keys: the local backends are for development and tests.
    secret                        text,
    explicit_auth_flows           text[]      NOT NULL,
    prevent_user_existence_errors boolean     NOT NULL,
    access_token_validity         bigint      NOT NULL CHECK (access_token_validity >= 0),
    access_token_unit             text        NOT NULL CHECK (access_token_unit IN ('seconds', 'minutes', 'hours', 'days')),
    id_token_validity             bigint      NOT NULL CHECK (id_token_validity >= 0),
    id_token_unit                 text        NOT NULL CHECK (id_token_unit IN ('seconds', 'minutes', 'hours', 'days')),
    refresh_token_validity        bigint      NOT NULL CHECK (refresh_token_validity >= 0),
    refresh_token_unit            text        NOT NULL CHECK (refresh_token_unit IN ('seconds', 'minutes', 'hours', 'days')),
    auth_session_validity_minutes integer     NOT NULL CHECK (auth_session_validity_minutes BETWEEN 3 AND 15),
    enable_token_revocation       boolean     NOT NULL,
    created_at                    timestamptz NOT NULL,
    last_modified_at              timestamptz NOT NULL
);

CREATE UNIQUE INDEX app_clients_one_default ON app_clients (is_default) WHERE is_default;
CREATE INDEX app_clients_pool_id_idx ON app_clients (pool_id);

INSERT INTO user_pools (id, is_default, name, min_password_length, require_lowercase, require_uppercase,
                        require_digit, require_symbol, temporary_password_validity_days, case_sensitive,
                        allow_admin_create_user_only, issuer, created_at, last_modified_at)
VALUES ('us-east-1_authport0', true, 'authport', 8, true, true, true, true, 7, false, false,
        'http://127.0.0.1:3000', now(), now());

INSERT INTO app_clients (id, pool_id, is_default, name, explicit_auth_flows, prevent_user_existence_errors,
                         access_token_validity, access_token_unit, id_token_validity, id_token_unit,
                         refresh_token_validity, refresh_token_unit, auth_session_validity_minutes,
                         enable_token_revocation, created_at, last_modified_at)
VALUES ('authport-local', 'us-east-1_authport0', true, 'authport',
        '{ALLOW_ADMIN_USER_PASSWORD_AUTH,ALLOW_REFRESH_TOKEN_AUTH}', true,
        3600, 'seconds', 3600, 'seconds', 2592000, 'seconds', 3, true, now(), now());

-- Users: the normalised e-mail address becomes the user name (the default pool is
-- case-insensitive) and the `email` attribute; every existing user is CONFIRMED and enabled.
DROP TRIGGER users_set_updated_at ON users;
DROP FUNCTION authport_set_updated_at();
DROP INDEX users_email_lower_key;
ALTER TABLE users RENAME COLUMN id TO sub;
ALTER TABLE users RENAME COLUMN updated_at TO last_modified_at;
ALTER TABLE users
    ADD COLUMN pool_id         text        NOT NULL DEFAULT 'us-east-1_authport0'
                                           REFERENCES user_pools (id) ON UPDATE CASCADE ON DELETE CASCADE,
    ADD COLUMN username        text,
    ADD COLUMN username_key    text,
    ADD COLUMN attributes      jsonb       NOT NULL DEFAULT '{}',
    ADD COLUMN status          text        NOT NULL DEFAULT 'CONFIRMED'
                                           CHECK (status IN ('UNCONFIRMED', 'CONFIRMED', 'FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED')),
    ADD COLUMN enabled         boolean     NOT NULL DEFAULT true,
    ADD COLUMN password_set_at timestamptz,
    ADD COLUMN failed_sign_ins integer     NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    ADD COLUMN locked_until    timestamptz,
    ADD COLUMN revision        bigint      NOT NULL DEFAULT 0;
UPDATE users SET username = email,
                 username_key = lower(email),
                 attributes = jsonb_build_object('email', email, 'email_verified', 'true'),
                 password_set_at = created_at;
ALTER TABLE users
    ALTER COLUMN pool_id DROP DEFAULT,
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN enabled DROP DEFAULT,
    ALTER COLUMN created_at DROP DEFAULT,
    ALTER COLUMN last_modified_at DROP DEFAULT,
    ALTER COLUMN username SET NOT NULL,
    ALTER COLUMN username_key SET NOT NULL,
    ALTER COLUMN password_set_at SET NOT NULL,
    DROP COLUMN email,
    ADD CONSTRAINT users_username_length CHECK (username <> '' AND char_length(username) <= 128),
    ADD CONSTRAINT users_attributes_object CHECK (jsonb_typeof(attributes) = 'object');

-- Duplicates are decided by this index (SQLSTATE 23505 on it), never by a look-up first.
CREATE UNIQUE INDEX users_pool_username_key ON users (pool_id, username_key);

-- Refresh tokens belong to the user and to the client they were issued to.
ALTER TABLE refresh_tokens RENAME COLUMN user_id TO sub;
ALTER INDEX refresh_tokens_user_id_idx RENAME TO refresh_tokens_sub_idx;
ALTER TABLE refresh_tokens
    ADD COLUMN pool_id   text NOT NULL DEFAULT 'us-east-1_authport0'
                              REFERENCES user_pools (id) ON UPDATE CASCADE ON DELETE CASCADE,
    ADD COLUMN client_id text NOT NULL DEFAULT 'authport-local'
                              REFERENCES app_clients (id) ON UPDATE CASCADE ON DELETE CASCADE;
ALTER TABLE refresh_tokens ALTER COLUMN pool_id DROP DEFAULT, ALTER COLUMN client_id DROP DEFAULT;

-- Challenge sessions (NEW_PASSWORD_REQUIRED), stored as the SHA-256 of the opaque session string.
CREATE TABLE challenge_sessions (
    token_hash text        PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    pool_id    text        NOT NULL REFERENCES user_pools (id) ON UPDATE CASCADE ON DELETE CASCADE,
    client_id  text        NOT NULL REFERENCES app_clients (id) ON UPDATE CASCADE ON DELETE CASCADE,
    sub        uuid        NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
    challenge  text        NOT NULL CHECK (challenge IN ('NEW_PASSWORD_REQUIRED')),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX challenge_sessions_sub_idx ON challenge_sessions (sub);
CREATE INDEX challenge_sessions_expires_at_idx ON challenge_sessions (expires_at);

-- Each pool's RS256 keys: one for access tokens, one for id tokens. The key of an older release
-- signs both in the default pool, so the tokens it issued stay valid.
CREATE TABLE pool_signing_keys (
    pool_id        text        PRIMARY KEY REFERENCES user_pools (id) ON UPDATE CASCADE ON DELETE CASCADE,
    access_key_pem text        NOT NULL CHECK (access_key_pem LIKE '-----BEGIN %'),
    id_key_pem     text        NOT NULL CHECK (id_key_pem LIKE '-----BEGIN %'),
    created_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO pool_signing_keys (pool_id, access_key_pem, id_key_pem, created_at)
SELECT 'us-east-1_authport0', private_key_pem, private_key_pem, created_at FROM signing_keys;

DROP TABLE signing_keys;
