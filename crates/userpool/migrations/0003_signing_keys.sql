-- The RS256 signing key shared by every authport process using this database, so that a token
-- minted by one process verifies against the JWKS of any other.
--
-- Exactly one row (id = 1). The first process to start inserts its freshly generated key with
-- INSERT … ON CONFLICT DO NOTHING and then reads the row back: concurrent first starts all
-- end up with the winner's key.
--
-- The private key is stored in clear: this is the *fake* provider for development and tests.
CREATE TABLE signing_keys (
    id              smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    private_key_pem text        NOT NULL CHECK (private_key_pem LIKE '-----BEGIN %'),
    created_at      timestamptz NOT NULL DEFAULT now()
);
