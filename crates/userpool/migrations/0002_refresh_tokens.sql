-- Refresh tokens, stored only as the SHA-256 (lower-case hex) of the opaque token handed to
-- the client. Expiry and revocation are recorded for the refresh flow of a later issue.
CREATE TABLE refresh_tokens (
    token_hash text        PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
