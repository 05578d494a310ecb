-- Users of the fake identity provider's PostgreSQL store.
--
-- The application stores the normalised (trimmed, lower-cased) address; uniqueness is
-- nevertheless enforced case-insensitively by the database itself, so that no code path —
-- and no race between processes — can create two users for one address. Duplicate sign-ups
-- are detected from the violation of `users_email_lower_key` (SQLSTATE 23505), never by a
-- look-up before the insert.
CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL CHECK (email <> '' AND char_length(email) <= 254),
    -- argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
    password_hash text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Keeps updated_at honest for the updates later issues add (password changes, …).
CREATE FUNCTION authport_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION authport_set_updated_at();
