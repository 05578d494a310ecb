-- USER_SRP_AUTH (the browser SDKs' default log-in): the SRP verifier of each user's password,
-- written whenever a password is set (it needs the password itself, so users whose password was
-- set before this migration get theirs at their next password log-in), and the key of a
-- PASSWORD_VERIFIER challenge, stored masked by the challenge's secret block.
ALTER TABLE users
    ADD COLUMN srp_salt     bytea,
    ADD COLUMN srp_verifier bytea,
    ADD CONSTRAINT users_srp_whole CHECK ((srp_salt IS NULL) = (srp_verifier IS NULL));

ALTER TABLE challenge_sessions DROP CONSTRAINT challenge_sessions_challenge_check;
ALTER TABLE challenge_sessions ADD CONSTRAINT challenge_sessions_challenge_check
    CHECK (challenge IN ('NEW_PASSWORD_REQUIRED', 'PASSWORD_VERIFIER'));
ALTER TABLE challenge_sessions ADD COLUMN srp_key bytea CHECK (octet_length(srp_key) = 16);
