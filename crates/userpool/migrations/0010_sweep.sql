-- Expired refresh tokens are swept (in batches, as new ones are issued): found by their expiry.
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
