-- Cognito's public API (issue #16): self-service sign-up confirmed by a code, forgotten
-- passwords reset by one, and access tokens revocable with the refresh token they came from.

-- `AutoVerifiedAttributes`: where SignUp sends its confirmation code.
ALTER TABLE user_pools ADD COLUMN auto_verified_attributes text[] NOT NULL DEFAULT '{}';

-- The code a user was last sent, kept as the SHA-256 of the user's sub and the code.
ALTER TABLE users
    ADD COLUMN code_purpose         text        CHECK (code_purpose IN ('SIGN_UP', 'PASSWORD_RESET')),
    ADD COLUMN code_hash            text        CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    ADD COLUMN code_medium          text        CHECK (code_medium IN ('EMAIL', 'SMS')),
    ADD COLUMN code_expires_at      timestamptz,
    ADD COLUMN code_failed_attempts integer     NOT NULL DEFAULT 0 CHECK (code_failed_attempts >= 0),
    ADD CONSTRAINT users_code_whole CHECK (
        (code_purpose IS NULL) = (code_hash IS NULL)
        AND (code_purpose IS NULL) = (code_medium IS NULL)
        AND (code_purpose IS NULL) = (code_expires_at IS NULL));

-- Every access and id token carries the `origin_jti` of the refresh token of its log-in: revoking
-- that refresh token (RevokeToken, GlobalSignOut) revokes them. Tokens of older releases get an
-- origin of their own, which no access token names.
ALTER TABLE refresh_tokens ADD COLUMN origin_jti text;
UPDATE refresh_tokens SET origin_jti = gen_random_uuid()::text;
ALTER TABLE refresh_tokens ALTER COLUMN origin_jti SET NOT NULL;
CREATE UNIQUE INDEX refresh_tokens_origin_jti_idx ON refresh_tokens (origin_jti);

ALTER TABLE sent_messages DROP CONSTRAINT sent_messages_kind_check;
ALTER TABLE sent_messages ADD CONSTRAINT sent_messages_kind_check
    CHECK (kind IN ('INVITATION', 'CONFIRMATION_CODE', 'PASSWORD_RESET_CODE'));
